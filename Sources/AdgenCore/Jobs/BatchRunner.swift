import AdgenImaging
import Crypto
import Foundation
import Logging

/// Runs a submitted batch to its end: the dispatcher makes the images, the pipeline cuts, lays out, encodes
/// and scores every creative and writes it (atomically) before its job is marked done; then the batch pass
/// (near-duplicates, `min_score`, `dedupe`) and the final state. Running it again on the same store finishes
/// whatever a killed process left: nothing done is requested again.
public struct BatchRunner: Sendable {
    /// Where and how.
    public struct Configuration: Sendable {
        /// The folder generations (`generations/`, the cache) and creatives (`batches/<id>/`) are written under.
        public var dataRoot: DataRoot
        /// Reuse cached generations (`--no-cache` turns it off).
        public var useCache = true
        /// The wall clock, for the times the store records.
        public var now: @Sendable () -> Date = { Date() }
        /// Overrides of the campaign's dispatch settings (concurrency, rate limits, retries, timeouts).
        public var dispatch: (@Sendable (inout Dispatcher<ContinuousClock>.Configuration) -> Void)?
        /// Set by a process that shuts down gracefully.
        public var stop: StopSignal?

        /// Creates a configuration.
        public init(dataRoot: DataRoot) {
            self.dataRoot = dataRoot
        }
    }

    /// How a run ended.
    public struct Summary: Sendable {
        /// The batch as it is now.
        public var batch: Batch
        /// Set when the run stopped to wait for the operator (a full disk): `adgen resume` continues.
        public var paused: String?
        /// The process is shutting down: the run gave its unfinished jobs back, and the batch is left for the next.
        public var stopped = false
    }

    public var configuration: Configuration
    let store: any JobStore
    let providers: ProviderFactory
    let logger: Logger

    /// Creates a runner.
    public init(configuration: Configuration, store: any JobStore, providers: ProviderFactory, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.providers = providers
        self.logger = logger
    }

    /// Runs `batchID`, whose campaign `context` holds, until it is finished, cancelled or paused.
    public func run(_ batchID: String, context: BatchContext) async throws -> Summary {
        guard let batch = try await store.batch(id: batchID) else {
            throw StoreError.noSuchBatch(batchID)
        }
        if batch.state.isFinished { return Summary(batch: batch) }
        let campaign = context.campaign
        var factory = providers
        factory.directory = context.directory
        let provider = ReferencingProvider(
            try factory.provider(for: campaign), files: try ReferenceFiles(campaign: campaign))
        let removers = try factory.backgroundRemovers(for: campaign)
        let pipeline = try Pipeline(
            campaign: campaign, backgroundRemovers: removers,
            product: try await ProductCutout.make(for: campaign, removers: removers))
        var dispatch = Dispatcher<ContinuousClock>.Configuration()
        dispatch.concurrency = campaign.generation.concurrency
        dispatch.maxCostUSD = campaign.generation.maxCostUSD
        if let estimate = batch.estimatedCostUSD, batch.jobs.total > 0 {
            dispatch.pricePerImage = estimate / Double(batch.jobs.total)
        }
        dispatch.requestsPerMinute = campaign.generation.requestsPerMinute
        dispatch.imagesPerMinute = campaign.generation.imagesPerMinute
        if let attempts = campaign.generation.maxAttempts { dispatch.retry.maxAttempts = attempts }
        if let timeout = campaign.generation.timeoutSeconds { dispatch.requestTimeout = timeout }
        dispatch.useCache = configuration.useCache
        dispatch.stop = configuration.stop
        configuration.dispatch?(&dispatch)
        let dispatcher = Dispatcher(
            store: store, provider: provider, configuration: dispatch, clock: ContinuousClock(), logger: logger)
        let root = configuration.dataRoot
        let outputDirectory = root.resolve(batch.outputDirectory)
        let maker = CreativeMaker(
            context: context, pipeline: pipeline, outputDirectory: outputDirectory, dataRoot: root)
        // A process killed in the middle of a write leaves a temporary file: not a creative, removed.
        AtomicFile.removeAbandoned(under: outputDirectory)
        AtomicFile.removeAbandoned(under: root.generations)
        logger.info("running", metadata: ["adgen.batch": "\(batchID)", "adgen.provider": "\(provider.id)"])
        let ending = try await dispatcher.run(
            batch: batchID,
            keep: { job, image in
                let format = ImageFormat.detect(image.bytes) ?? .png
                let file = DataRoot.generationFile(key: job.key, fileExtension: format.fileExtension)
                try AtomicFile.write(image.bytes, to: root.resolve(file))
                return file
            },
            isKept: { FileManager.default.fileExists(atPath: root.resolve($0.file)) },
            process: { generated in try await maker.make(generated, store: store) })
        switch ending {
        case .paused(let reason):
            try await store.setState(batch: batchID, .inProgress, reason: "paused: \(reason)", now: configuration.now())
            return Summary(batch: try await store.batch(id: batchID) ?? batch, paused: reason)
        case .cancelled:
            return Summary(batch: try await store.batch(id: batchID) ?? batch)
        case .stopped:
            return Summary(batch: try await store.batch(id: batchID) ?? batch, stopped: true)
        case .drained:
            try await finalize(batchID, campaign: campaign, outputDirectory: outputDirectory)
            return Summary(batch: try await store.batch(id: batchID) ?? batch)
        }
    }

    /// The batch pass and the final state: `completed` when any creative was made (or none was asked for),
    /// `failed` when every one failed.
    func finalize(_ batchID: String, campaign: Campaign, outputDirectory: String) async throws {
        try await store.setState(batch: batchID, .finalizing, reason: nil, now: configuration.now())
        let creatives = try await store.creatives(batch: batchID)
        let made = creatives.filter { $0.state == .succeeded && $0.scorecard != nil }
        let judgement = Judgement(
            scorer: Scorer(configuration: .init(weights: campaign.scoring.weights)), settings: campaign.scoring)
        let verdicts = judgement.judge(
            made.map { creative in
                Judgement.Entry(
                    id: creative.id,
                    key: Judgement.key(
                        size: creative.sizeID, variant: creative.variant.variant(sizes: campaign.sizes),
                        campaign: campaign),
                    scorecard: creative.scorecard!)
            })
        try await store.judge(
            batch: batchID,
            zip(made, verdicts).map { CreativeVerdict(id: $0.id, scorecard: $1.scorecard, dropped: $1.dropped) })
        for (creative, verdict) in zip(made, verdicts) where verdict.dropped != nil {
            if let file = creative.file { try? FileManager.default.removeItem(atPath: "\(outputDirectory)/\(file)") }
        }
        let batch = try await store.batch(id: batchID)
        let budget = creatives.first { $0.state == .cancelled && ($0.failure ?? "").hasPrefix("budget") }?.failure
        let allFailed = (batch?.creatives.total ?? 0) > 0 && batch?.creatives.completed == 0
        try await store.setState(
            batch: batchID, allFailed ? .failed : .completed,
            reason: allFailed ? (creatives.first { $0.failure != nil }?.failure ?? "every creative failed") : budget,
            now: configuration.now())
    }
}

/// Makes the creatives of one job from its image: pipeline, encode, score, then each file written atomically.
struct CreativeMaker: Sendable {
    let context: BatchContext
    let pipeline: Pipeline
    let outputDirectory: String
    let dataRoot: DataRoot

    var campaign: Campaign { context.campaign }

    func make(_ generated: Dispatcher<ContinuousClock>.Generated, store: any JobStore) async throws
        -> [CreativeResult]
    {
        let records = try await store.creatives(job: generated.job.id)
        let source: Image
        let file = dataRoot.resolve(generated.generation.file)
        do {
            source = try Image.load(path: file)
        } catch {
            throw PipelineError("the generated image \(file) cannot be read: \(error)")
        }
        let scorer = Scorer(configuration: .init(weights: campaign.scoring.weights))
        var results = [CreativeResult]()
        for record in records where record.state == .pending {
            guard let size = context.size(record.sizeID) else {
                results.append(
                    CreativeResult(
                        id: record.id, state: .failed, failure: "size \(record.sizeID) is no longer in the campaign"))
                continue
            }
            let variant = record.variant.variant(sizes: campaign.sizes)
            var draft = CreativeDraft(variant: variant, size: size, image: source)
            do {
                try await pipeline.run(&draft, campaign: campaign)
            } catch let error as EncodeStep.OverLimit {
                results.append(
                    CreativeResult(id: record.id, state: .failed, events: draft.events, failure: error.description))
                continue
            }
            guard let encoded = draft.encoded else { throw PipelineError("the pipeline did not encode \(size.id)") }
            let tags =
                variant.axes.map { "\($0.name):\($0.value)" } + draft.events + [
                    "provider:\(campaign.generation.provider)", "model:\(campaign.generation.model)",
                    "seed:\(variant.seed)",
                ] + (generated.cached ? ["cached"] : [])
            let scorecard = try scorer.score(
                scorer.input(
                    encoded: encoded.bytes, size: size, boxes: draft.boxes, brandColors: campaign.brand.colors,
                    tags: tags, subject: draft.subject))
            let file = "\(size.id)/\(record.id).\(encoded.format.fileExtension)"
            try AtomicFile.write(encoded.bytes, to: "\(outputDirectory)/\(file)")
            let digest = SHA256.hash(data: encoded.bytes).withUnsafeBytes { Hex.prefix(of: $0, digits: 64) }
            results.append(
                CreativeResult(
                    id: record.id, state: .succeeded, file: file, bytes: encoded.bytes.count, sha256: digest,
                    format: encoded.format.rawValue, scorecard: scorecard, events: draft.events,
                    boxes: draft.recordedBoxes))
        }
        return results
    }
}
