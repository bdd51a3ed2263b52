import AdgenImaging
import Foundation

/// Renders the first variants of a campaign in process with the local provider: the quick preview behind
/// `adgen render`. One image is generated per (prompt, negative prompt, seed, aspect family) and every size of
/// that family is cut from it.
public struct PreviewRenderer: Sendable {
    /// What to render and where.
    public struct Configuration: Sendable {
        /// The output folder: files go to `OUT/<size-id>/<creative-id>.<ext>`.
        public var output: String
        /// How many variants.
        public var limit: Int = 8
        /// How many generations run at once.
        public var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

        /// Creates a configuration.
        public init(output: String, limit: Int = 8) {
            self.output = output
            self.limit = limit
        }
    }

    /// One creative: written, or failed with a reason.
    public struct Output: Sendable {
        public var creativeID: String
        public var variantID: String
        /// The variant.
        public var variant: Variant
        public var size: AdSize
        /// The file written; nil when the creative failed.
        public var path: String?
        public var bytes: Int
        /// Text-fit and encoding events (`text-shrunk`, `text-truncated`, `quality-lowered`).
        public var events: [String]
        /// Why the creative could not be made (e.g. over its byte limit); the other creatives are still made.
        public var failure: String?
        /// Its scores and tags.
        public var scorecard: Scorecard?
        /// Why it was dropped after scoring (`scoring.below_min: drop`, `scoring.dedupe`); its file is removed.
        public var dropped: String?
        /// Where the layout put the subject and the copy (`CreativeDraft.recordedBoxes`).
        public var boxes: [String: [Int]]?
    }

    /// How far a render has got.
    public struct Progress: Sendable {
        /// Creatives finished (written or failed).
        public var done: Int
        /// Of those, failed.
        public var failed: Int
        /// All creatives of the render.
        public var total: Int
    }

    /// The settings.
    public var configuration: Configuration
    let provider = LocalProvider()

    /// Creates a renderer.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Renders `campaign`; `progress` is called after each variant. A creative that fails (over its byte
    /// limit, say) is reported in its `Output` and the others are still made; errors that would fail every
    /// creative (a broken pipeline, an unwritable folder) are thrown.
    public func render(
        _ campaign: Campaign, progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> [Output] {
        let pipeline = try Pipeline(campaign: campaign)
        let references = try ReferenceFiles(campaign: campaign)
        let variants = Array(try Expander(campaign: campaign, configuration: .init(limit: UInt64(configuration.limit))))
        // The local renderer paints at any size: the shapes of the standard families.
        let shapes = GenerationShape.supported(provider: provider.id, model: campaign.generation.model)
        let families = campaign.sizes.map { GenerationShape.best(for: $0, among: shapes) }
        let total = variants.count * campaign.sizes.count
        for size in campaign.sizes {
            try FileManager.default.createDirectory(
                atPath: "\(configuration.output)/\(size.id)", withIntermediateDirectories: true)
        }
        var outputs = [Output]()
        try await withThrowingTaskGroup(of: [Output].self) { group in
            var next = 0
            func submit() {
                guard next < variants.count else { return }
                let variant = variants[next]
                next += 1
                group.addTask {
                    try await self.render(
                        variant, families: families, campaign: campaign, pipeline: pipeline, references: references)
                }
            }
            for _ in 0..<max(1, configuration.concurrency) { submit() }
            while let rendered = try await group.next() {
                outputs += rendered
                progress(Progress(done: outputs.count, failed: outputs.count { $0.failure != nil }, total: total))
                submit()
            }
        }
        outputs.sort { ($0.variantID, $0.size.id) < ($1.variantID, $1.size.id) }
        try judge(&outputs, campaign: campaign)
        return outputs
    }

    /// One variant at every size: one generation per family, then the pipeline per size.
    func render(
        _ variant: Variant, families: [GenerationShape], campaign: Campaign, pipeline: Pipeline,
        references: ReferenceFiles
    ) async throws -> [Output] {
        var generated = [GenerationShape: Image]()
        var outputs = [Output]()
        for (size, family) in zip(campaign.sizes, families) {
            let source: Image
            if let cached = generated[family] {
                source = cached
            } else {
                let (width, height) = (family.width, family.height)
                let request = try references.attached(to: campaign.request(for: variant, width: width, height: height))
                source = try Image.decode(provider.paint(request).bytes)
                generated[family] = source
            }
            var draft = CreativeDraft(variant: variant, size: size, image: source)
            do {
                try await pipeline.run(&draft, campaign: campaign)
            } catch let error as EncodeStep.OverLimit {
                outputs.append(
                    Output(
                        creativeID: draft.id, variantID: variant.id, variant: variant, size: size, path: nil, bytes: 0,
                        events: draft.events, failure: error.description))
                continue
            }
            guard let encoded = draft.encoded else { throw PipelineError("the pipeline did not encode \(size.id)") }
            let scorer = scorer(for: campaign)
            let scorecard = try scorer.score(
                scorer.input(
                    encoded: encoded.bytes, size: size, boxes: draft.boxes, brandColors: campaign.brand.colors,
                    tags: Self.tags(of: variant, events: draft.events, campaign: campaign), subject: draft.subject))
            let path = "\(configuration.output)/\(size.id)/\(draft.id).\(encoded.format.fileExtension)"
            guard FileManager.default.createFile(atPath: path, contents: Data(encoded.bytes)) else {
                throw PipelineError("cannot write \(path); check the output folder's permissions")
            }
            outputs.append(
                Output(
                    creativeID: draft.id, variantID: variant.id, variant: variant, size: size, path: path,
                    bytes: encoded.bytes.count,
                    events: draft.events, failure: nil, scorecard: scorecard, boxes: draft.recordedBoxes))
        }
        return outputs
    }
}
