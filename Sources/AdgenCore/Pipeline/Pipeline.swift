import AdgenImaging

/// A campaign's steps, built from its `pipeline:` list in its order. The loader checked every value and the
/// order of the steps, so building cannot fail on the campaign's content; two implicit steps are documented
/// features: a crop (attention) is added before the layout when the list has none, an encode (JPEG q85) last
/// when the list has none, and, for a product in composite mode, a layout that sets the product alone when the list
/// has no layout. Upscales directly before the crop are folded into the crop's single resize (the same
/// picture, a fraction of the work).
public struct Pipeline: Sendable {
    /// The steps in the order they run.
    public let steps: [any PipelineStep]

    /// Builds the pipeline of `campaign`; `backgroundRemovers` (by provider id, as
    /// `ProviderFactory.backgroundRemovers(for:)` makes them) serve `remove_background` steps; `layout` configures
    /// its layout step.
    ///
    /// - Throws: only for the machine's setup, never for the campaign's content: no remover given for a
    ///   `remove_background` step's provider, or a brand logo that can no longer be read. Such an error's
    ///   `isSetup` is true.
    public init(
        campaign: Campaign, backgroundRemovers: [String: any BackgroundRemover] = [:],
        layout: LayoutStep.Configuration = .init(), product: ProductCutout? = nil
    ) throws(PipelineError) {
        var product = product
        if product == nil { product = try ProductCutout.load(for: campaign) }
        var steps = [any PipelineStep]()
        for spec in campaign.pipeline {
            switch spec {
            case .upscale(let factor):
                steps.append(UpscaleStep(factor: factor))
            case .removeBackground(let provider, _):
                guard let remover = backgroundRemovers[provider.rawValue] else {
                    throw PipelineError.noBackgroundRemover(provider: provider.rawValue)
                }
                steps.append(RemoveBackgroundStep(remover: remover))
            case .crop(let strategy):
                steps.append(CropStep(strategy: strategy))
            case .layout(let template):
                steps.append(
                    try LayoutStep(template: template, campaign: campaign, product: product, configuration: layout))
            case .encode(let format, let quality, let maxKB):
                steps.append(EncodeStep(format: format, quality: quality, maxKB: maxKB))
            }
        }
        if let product, !steps.contains(where: { $0 is LayoutStep }) {
            // A product in composite mode is set by a layout: without one in the list, a layout of the product
            // alone sets it.
            let at = steps.firstIndex { $0 is EncodeStep } ?? steps.count
            steps.insert(
                try LayoutStep(template: .productOnly, campaign: campaign, product: product, configuration: layout),
                at: at)
        }
        if !steps.contains(where: { $0 is CropStep }) {
            let insertAt = steps.firstIndex { $0 is LayoutStep || $0 is EncodeStep } ?? steps.count
            steps.insert(CropStep(), at: insertAt)
        }
        // A resampling upscale right before the crop only feeds the crop's resize: 1024 → 2048 → 1080 and
        // 1024 → 1080 with lanczos3 give the same picture, and the second is a fraction of the work. So it is
        // folded into the crop. (`upscale` is a resampling step; a model upscaler would be a step of another kind.)
        if let crop = steps.firstIndex(where: { $0 is CropStep }) {
            var start = crop
            while start > 0, steps[start - 1] is UpscaleStep { start -= 1 }
            steps.removeSubrange(start..<crop)
        }
        if !steps.contains(where: { $0 is EncodeStep }) {
            steps.append(EncodeStep())
        }
        self.steps = steps
    }

    /// Runs every step on a draft.
    public func run(_ draft: inout CreativeDraft, campaign: Campaign) async throws {
        for step in steps { try await step.apply(to: &draft, campaign: campaign) }
    }
}

/// A pipeline that cannot be built (a setup problem of the machine) or a step that failed on one creative.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, and how to fix it.
    public var message: String
    private var code: Code

    private enum Code: Sendable {
        case step
        case setup
    }

    init(_ message: String) {
        self.message = message
        code = .step
    }

    private init(setup message: String) {
        self.message = message
        code = .setup
    }

    /// Whether the pipeline could not be built on this machine (no background remover set up, an unreadable
    /// logo) rather than a step failing on one creative. Never the campaign's content: the loader checks that.
    public var isSetup: Bool { code == .setup }

    /// No remover was given for a `remove_background` step's provider.
    static func noBackgroundRemover(provider: String) -> PipelineError {
        PipelineError(
            setup:
                "remove_background needs a background remover for provider '\(provider)', and none was set up: it runs through that provider's API with its credentials (`adgen run` sets it up); the offline `adgen render` cannot remove backgrounds, so drop the step to render locally"
        )
    }

    /// A reference image, checked when the campaign was loaded, cannot be read now (or changed).
    static func unreadableReference(_ path: String, _ message: String) -> PipelineError {
        PipelineError(setup: "cannot send the reference image \(path): \(message); load the campaign again")
    }

    /// The product image, checked when the campaign was loaded, cannot be used now.
    static func unusableProduct(_ path: String, _ message: String) -> PipelineError {
        PipelineError(
            setup:
                "cannot use the product image \(path): \(message); was it changed or removed since the campaign was loaded?"
        )
    }

    /// An opaque product image needs its background removed, and no remover was set up.
    static func noProductRemover(provider: String) -> PipelineError {
        PipelineError(
            setup:
                "the product image has no transparency, so it is cut out through provider '\(provider)' (product.remove_background), and no background remover was set up for it; `adgen run` sets it up, the offline `adgen render` cannot: use a PNG cutout to render locally"
        )
    }

    /// The brand's logo, checked when the campaign was loaded, cannot be read now.
    static func unreadableLogo(_ path: String, _ message: String) -> PipelineError {
        PipelineError(
            setup: "cannot use the logo \(path): \(message); was it changed or removed since the campaign was loaded?")
    }

    public var description: String { message }
}
