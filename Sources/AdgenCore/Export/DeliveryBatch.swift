/// A finished (or partly finished) batch with everything export needs, read from the store.
public struct DeliveryBatch: Sendable {
    /// The batch record: state, counts, cost, output folder.
    public var batch: Batch
    /// The campaign the batch was submitted with.
    public var campaign: Campaign
    /// Every creative of the batch, in any state.
    public var creatives: [CreativeRecord]
    /// Every generation (job) of the batch, oldest first.
    public var jobs: [GenerationJob]

    /// Creates a delivery from records already read.
    public init(batch: Batch, campaign: Campaign, creatives: [CreativeRecord], jobs: [GenerationJob]) {
        self.batch = batch
        self.campaign = campaign
        self.creatives = creatives
        self.jobs = jobs
    }

    /// Reads batch `id`, its creatives and jobs from `store`; its campaign is `context`'s. The batch's output folder
    /// is resolved against `dataRoot`. Throws `ExportError.noSuchBatch` when the store has no such batch.
    public static func load(
        batch id: String, context: BatchContext, dataRoot: DataRoot, from store: any JobStore
    ) async throws -> DeliveryBatch {
        guard var batch = try await store.batch(id: id) else { throw ExportError.noSuchBatch(id) }
        batch.outputDirectory = dataRoot.resolve(batch.outputDirectory)
        return DeliveryBatch(
            batch: batch, campaign: context.campaign, creatives: try await store.creatives(batch: id),
            jobs: try await store.jobs(batch: id))
    }

    /// The creatives delivered: made and not dropped.
    public var delivered: [CreativeRecord] {
        creatives.filter { $0.state == .succeeded && $0.dropped == nil }
    }
}
