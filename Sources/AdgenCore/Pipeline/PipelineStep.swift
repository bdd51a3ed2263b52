import AdgenImaging

/// One step of the image pipeline, configured by the campaign's `pipeline:` list and run in order.
public protocol PipelineStep: Sendable {
    /// The step's name in the campaign file.
    var name: String { get }
    /// Transforms the draft. Async because some steps call a remote service (`remove_background`).
    func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws
}

/// `upscale {factor}`: enlarge the generated image (lanczos3) before cropping.
public struct UpscaleStep: PipelineStep {
    public let name = "upscale"
    /// The factor, above 1 (`PipelineStepSpec.upscaleFactors`).
    public var factor: Double

    /// Creates the step.
    public init(factor: Double) { self.factor = factor }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        draft.image = try draft.image.resized(scale: factor)
    }
}

/// Takes the background out of an image, leaving the subject on transparency: the seam behind the
/// `remove_background` step. Its implementations are remote (a Replicate or fal model, an HTTP endpoint) and come
/// with the provider adapters.
public protocol BackgroundRemover: Sendable {
    /// The provider's id, as named in the step's `provider` option.
    var id: String { get }
    /// The image with its background transparent.
    func removeBackground(from image: Image) async throws -> Image
}

/// `remove_background {provider, model}`: cut the subject out through a `BackgroundRemover`, then set it on the
/// brand's light colour, so later steps (crop, layout, encode) see an ordinary opaque image.
public struct RemoveBackgroundStep: PipelineStep {
    public let name = "remove_background"
    /// Who removes the background.
    public var remover: any BackgroundRemover

    /// Creates the step.
    public init(remover: any BackgroundRemover) { self.remover = remover }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        let cutOut = try await remover.removeBackground(from: draft.image)
        guard (cutOut.width, cutOut.height) == (draft.image.width, draft.image.height), cutOut.hasAlpha else {
            throw PipelineError(
                "\(remover.id) returned a \(cutOut.width)×\(cutOut.height) image\(cutOut.hasAlpha ? "" : " without transparency") for a \(draft.image.width)×\(draft.image.height) one; check the model of the remove_background step"
            )
        }
        let backdrop = LayoutCanvas.Palette(brandColors: campaign.brand.colors).light
        draft.image = try cutOut.flattened(on: backdrop)
    }
}

/// `crop {strategy}`: resize to cover the target size and crop to it.
public struct CropStep: PipelineStep {
    public let name = "crop"
    /// What to keep.
    public var strategy: CropStrategy

    /// Creates the step.
    public init(strategy: CropStrategy = .attention) { self.strategy = strategy }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        let source = draft.image
        let window = try source.fillRegion(width: draft.size.width, height: draft.size.height, strategy: strategy)
        draft.image = try source.filled(width: draft.size.width, height: draft.size.height, window: window)
            .materialized()
        // A product the model drew is found in the picture; when the copy cannot avoid it, the layout may frame the
        // picture otherwise.
        if campaign.product?.mode == .reference { draft.framing = Framing(source: source, window: window) }
    }
}

/// `encode {format, quality, max_kb}`: encode, searching the quality (then chroma subsampling, then a palette
/// PNG) to land under the byte limit of the step or of the size preset.
public struct EncodeStep: PipelineStep {
    public let name = "encode"
    /// The format.
    public var format: ImageFormat = .jpeg
    /// The starting (highest) quality.
    public var quality: Int = PipelineStepSpec.defaultQuality
    /// A byte limit of the step's own, in kilobytes (1,000 bytes).
    public var maxKB: Int?
    /// The lowest quality tried before giving up.
    public static let minimumQuality = 40

    /// Creates the step.
    public init(format: ImageFormat = .jpeg, quality: Int = PipelineStepSpec.defaultQuality, maxKB: Int? = nil) {
        self.format = format
        self.quality = quality
        self.maxKB = maxKB
    }

    /// Why a creative cannot be encoded under its limit.
    public struct OverLimit: Error, Sendable, CustomStringConvertible {
        public var size: String
        public var limit: Int
        public var smallest: Int
        public var description: String {
            "\(size): the smallest encoding (\(smallest) bytes) is over the \(limit)-byte limit; use a simpler image or a larger limit"
        }
    }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) async throws {
        let limit = [maxKB.map { $0 * 1000 }, draft.size.maxBytes].compactMap { $0 }.min()
        var best: EncodedFile?
        // Binary search on quality for the highest that fits.
        var low = Self.minimumQuality
        var high = quality
        let first = try draft.image.encoded(EncodeOptions(format: format, quality: high))
        if limit == nil || first.count <= limit! {
            draft.encoded = EncodedFile(bytes: first, format: format, quality: high)
            return
        }
        while low <= high {
            let middle = (low + high) / 2
            let bytes = try draft.image.encoded(EncodeOptions(format: format, quality: middle))
            if bytes.count <= limit! {
                best = EncodedFile(bytes: bytes, format: format, quality: middle)
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        if best == nil, format == .png {
            let palette = try draft.image.encoded(EncodeOptions(format: .png, quality: quality, palette: true))
            if palette.count <= limit! { best = EncodedFile(bytes: palette, format: .png, quality: quality) }
        }
        guard let best else {
            let smallest = try draft.image.encoded(EncodeOptions(format: format, quality: Self.minimumQuality)).count
            throw OverLimit(size: draft.size.id, limit: limit!, smallest: smallest)
        }
        if best.quality < quality { draft.events.append("quality-lowered") }
        draft.encoded = best
    }
}
