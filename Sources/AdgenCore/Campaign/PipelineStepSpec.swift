import AdgenImaging

/// One entry of `pipeline:`, decoded and range-checked when the campaign is loaded: every value a step needs,
/// typed, so building the pipeline cannot fail on the campaign's content. The rules (ranges, allowed values and
/// the order of steps) are in `docs/campaign-format.md`.
public enum PipelineStepSpec: Sendable, Hashable {
    /// `upscale {factor}`: enlarge the generated image by `factor` (in `upscaleFactors`, above 1), lanczos3.
    case upscale(factor: Double)
    /// `remove_background {provider, model}`: cut the subject out through `provider`'s background-removal model
    /// (`model`, else the provider's default remover). The provider is the step's, else `generation.provider`.
    case removeBackground(provider: BackgroundRemovalProvider, model: String?)
    /// `crop {strategy}`: resize to cover the creative's size and crop to it, keeping what `strategy` picks.
    case crop(CropStrategy)
    /// `layout {template}`: set the copy, logo and brand on the image as the template arranges them; the template
    /// was read and checked with the campaign.
    case layout(LayoutTemplate)
    /// `encode {format, quality, max_kb}`: write the file, searching the quality down from `quality` to fit under
    /// `maxKB` (kilobytes of 1,000 bytes) and the size preset's limit.
    case encode(format: ImageFormat, quality: Int, maxKB: Int?)

    /// The step's name in the campaign file, e.g. `remove_background`.
    public var name: String {
        switch self {
        case .upscale: "upscale"
        case .removeBackground: "remove_background"
        case .crop: "crop"
        case .layout: "layout"
        case .encode: "encode"
        }
    }

    /// The step names and their options, the first of each being what the shorthand `- STEP: VALUE` sets.
    public static let known: [(name: String, options: [String])] = [
        ("upscale", ["factor"]),
        ("remove_background", ["provider", "model"]),
        ("crop", ["strategy"]),
        ("layout", ["template"]),
        ("encode", ["format", "quality", "max_kb"]),
    ]

    /// The factors `upscale` accepts: more than 1 (1 changes nothing) and at most 8.
    public static let upscaleFactors: ClosedRange<Double> = 1...8
    /// The factor of `- upscale` without one.
    public static let defaultUpscaleFactor = 2.0
    /// The qualities `encode` accepts.
    public static let qualities: ClosedRange<Int> = 1...100
    /// The quality of `encode` without one (and of the encode added when the list has none).
    public static let defaultQuality = 85
    /// The byte limits (kilobytes) `encode` accepts: above 0, at most 1 GB.
    public static let maxKBRange: ClosedRange<Int> = 1...1_000_000
    /// The formats `encode` accepts (`jpg` is `jpeg`); each must also be one this libvips can write.
    public static let formatNames = ["jpeg", "jpg", "png", "webp", "avif"]
}

/// A provider with a background-removal model, as `remove_background`'s `provider` names it. Only these can
/// serve the step: `ProviderFactory.backgroundRemover(provider:model:settings:)` makes one for each.
public enum BackgroundRemovalProvider: String, Sendable, Hashable, CaseIterable {
    /// Replicate (a model such as `bria/remove-background`).
    case replicate
    /// fal (an endpoint such as `fal-ai/bria/background/remove`).
    case fal

    /// Why `model` cannot be a model of this provider (its form: `ProviderFactory` refuses the same), in the words
    /// of a campaign error; nil when it can be.
    public func problem(withModel model: String) -> String? {
        switch self {
        case .replicate:
            let name = model.split(separator: ":").first.map(String.init) ?? ""
            if ReplicateProvider.isVersion(model) || name.split(separator: "/").count == 2 { return nil }
            return "'\(model)' is not a Replicate model: use owner/name, owner/name:version or a version id"
        case .fal:
            if model.split(separator: "/").count >= 2 { return nil }
            return "'\(model)' is not a fal endpoint id: use owner/name, e.g. fal-ai/flux/dev"
        }
    }
}
