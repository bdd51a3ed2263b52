import AdgenImaging

/// A campaign's steps, built from its `pipeline:` list in its order, with a crop (attention by default) added
/// before the layout when the list has none, and an encode (JPEG q85 by default) last. Upscales directly before
/// the crop are folded into the crop's single resize.
public struct Pipeline: Sendable {
    /// The steps in the order they run.
    public let steps: [any PipelineStep]

    /// Builds the pipeline of `campaign`; `backgroundRemovers` (by provider id) serve `remove_background` steps;
    /// `layout` configures its layout step.
    public init(
        campaign: Campaign, backgroundRemovers: [String: any BackgroundRemover] = [:],
        layout: LayoutStep.Configuration = .init()
    ) throws {
        var steps = [any PipelineStep]()
        for spec in campaign.pipeline {
            switch spec.name {
            case "upscale":
                let factor = Double(spec.options["factor"] ?? "2") ?? 2
                guard factor >= 1, factor <= 8 else {
                    throw PipelineError("upscale factor must be between 1 and 8, found \(spec.options["factor"] ?? "")")
                }
                steps.append(UpscaleStep(factor: factor))
            case "crop":
                let strategy = spec.options["strategy"].map { CropStrategy(rawValue: $0) } ?? .attention
                guard let strategy else {
                    throw PipelineError(
                        "unknown crop strategy '\(spec.options["strategy"] ?? "")'; use attention, centre or entropy")
                }
                steps.append(CropStep(strategy: strategy))
            case "layout":
                guard let template = spec.layout ?? LayoutTemplate.builtIn(named: "standard") else {
                    throw PipelineError("the layout template of \(campaign.file) was not loaded")
                }
                steps.append(try LayoutStep(template: template, campaign: campaign, configuration: layout))
            case "encode":
                let format = spec.options["format"].map { ImageFormat(rawValue: $0 == "jpg" ? "jpeg" : $0) } ?? .jpeg
                guard let format, format.isAvailable else {
                    throw PipelineError("cannot encode '\(spec.options["format"] ?? "")'; use jpeg, png or webp")
                }
                let quality = Int(spec.options["quality"] ?? "85") ?? 85
                steps.append(
                    EncodeStep(format: format, quality: quality, maxKB: spec.options["max_kb"].flatMap { Int($0) }))
            case "remove_background":
                let provider = spec.options["provider"] ?? campaign.generation.provider
                guard let remover = backgroundRemovers[provider] else {
                    throw PipelineError(
                        "remove_background has no remover for provider '\(provider)': background removal runs through a remote model (replicate, fal or http), whose adapters come with the batches work; drop the step to render offline"
                    )
                }
                steps.append(RemoveBackgroundStep(remover: remover))
            default:
                throw PipelineError("unknown pipeline step '\(spec.name)'")
            }
        }
        if !steps.contains(where: { $0 is CropStep }) {
            let insertAt = steps.firstIndex { $0 is LayoutStep || $0 is EncodeStep } ?? steps.count
            steps.insert(CropStep(), at: insertAt)
        }
        // A resampling upscale right before the crop only feeds the crop's resize: 1024 → 2048 → 1080 and
        // 1024 → 1080 with lanczos3 give the same picture, and the second is a fraction of the work. So it is
        // folded into the crop (a model upscaler, with the providers, will be a step of its own).
        steps = steps.enumerated().filter { index, step in
            !(step is UpscaleStep && index + 1 < steps.count
                && (steps[index + 1] is CropStep || steps[index + 1] is UpscaleStep))
        }.map(\.element)
        if !(steps.last is EncodeStep) {
            steps.removeAll { $0 is EncodeStep }
            steps.append(EncodeStep())
        }
        self.steps = steps
    }

    /// Runs every step on a draft.
    public func run(_ draft: inout CreativeDraft, campaign: Campaign) async throws {
        for step in steps { try await step.apply(to: &draft, campaign: campaign) }
    }
}

/// A pipeline that cannot be built or run.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
