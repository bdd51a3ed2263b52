/// A finished (or partly finished) batch with everything export needs, read from the store.
public struct DeliveryBatch: Sendable {
    /// The batch record: state, counts, cost, output folder.
    public var batch: Batch
    /// The campaign the batch was submitted with, loaded again from the store's copy.
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

    /// Reads batch `id`, its campaign (as submitted), creatives and jobs from `store`. Throws
    /// `ExportError.noSuchBatch` when the store has no such batch, and the loader's `CampaignError` when the
    /// stored campaign no longer loads (a layout template or logo it names was moved).
    public static func load(batch id: String, from store: any JobStore) async throws -> DeliveryBatch {
        guard let batch = try await store.batch(id: id) else { throw ExportError.noSuchBatch(id) }
        let source = try await store.campaignSource(batch: id)
        let campaign = try CampaignLoader().load(bytes: source.bytes, file: source.file, directory: source.directory)
        return DeliveryBatch(
            batch: batch, campaign: campaign, creatives: try await store.creatives(batch: id),
            jobs: try await store.jobs(batch: id))
    }

    /// The creatives delivered: made and not dropped.
    public var delivered: [CreativeRecord] {
        creatives.filter { $0.state == .succeeded && $0.dropped == nil }
    }
}
