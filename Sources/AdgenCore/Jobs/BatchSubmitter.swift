import Foundation

/// Turns a campaign into a batch in the store: every variant at every size becomes a creative, and each
/// distinct (prompt, negative prompt, seed, aspect family) becomes one job, whose image all of them share.
/// Variants stream from the expander into the store's transaction, so a batch of any size is submitted in
/// bounded memory.
public struct BatchSubmitter: Sendable {
    /// Creates a submitter.
    public init() {}

    /// Submits the batch of `context`, for `tenant` (nil: the CLI's own), remembering the digest of the request it
    /// came in. With an idempotency key already used, returns that batch (`created` false). Its creatives are
    /// written under `DataRoot.batchFolder(id)` of the data root the runner is given.
    public func submit(
        _ context: BatchContext, to store: any JobStore, idempotencyKey: String?, tenant: String? = nil,
        requestDigest: String? = nil, now: Date
    ) async throws -> (batch: Batch, created: Bool) {
        let campaign = context.campaign
        let id = Self.newBatchID()
        let header = BatchHeader(
            id: id, campaign: campaign.name, provider: campaign.generation.provider, model: campaign.generation.model,
            source: context.source, idempotencyKey: idempotencyKey, estimatedCostUSD: context.plan.estimatedCostUSD,
            maxCostUSD: campaign.generation.maxCostUSD, outputDirectory: DataRoot.batchFolder(id), now: now,
            tenant: tenant, requestDigest: requestDigest)
        return try await store.submit(header, plan: context.creatives)
    }

    /// `b_` and 16 random hex digits.
    static func newBatchID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "b_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
