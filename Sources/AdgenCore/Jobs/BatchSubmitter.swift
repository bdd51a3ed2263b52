import Foundation

/// Turns a campaign into a batch in the store: every variant at every size becomes a creative, and each
/// distinct (prompt, negative prompt, seed, aspect family) becomes one job, whose image all of them share.
/// Variants stream from the expander into the store's transaction, so a batch of any size is submitted in
/// bounded memory.
public struct BatchSubmitter: Sendable {
    /// Where batches write their creatives: `<root>/<batch-id>/<size-id>/<creative-id>.<ext>`.
    public var outputRoot: String

    /// Creates a submitter.
    public init(outputRoot: String) {
        self.outputRoot = outputRoot
    }

    /// Submits `campaign` (loaded from `source`). With an idempotency key already used, returns that batch.
    public func submit(
        _ campaign: Campaign, source: CampaignSource, to store: any JobStore, idempotencyKey: String?, now: Date
    ) async throws -> (batch: Batch, created: Bool) {
        let plan = try Planner().plan(campaign)
        let id = Self.newBatchID()
        let header = BatchHeader(
            id: id, campaign: campaign.name, provider: campaign.generation.provider, model: campaign.generation.model,
            source: source, idempotencyKey: idempotencyKey, estimatedCostUSD: plan.estimatedCostUSD,
            maxCostUSD: campaign.generation.maxCostUSD, outputDirectory: "\(outputRoot)/\(id)", now: now)
        let expander = try Expander(campaign: campaign)
        return try await store.submit(header) { sink in
            let shapes = GenerationShape.supported(
                provider: campaign.generation.provider, model: campaign.generation.model)
            let families = campaign.sizes.map { GenerationShape.best(for: $0, among: shapes) }
            for variant in expander {
                let stored = StoredVariant(variant)
                for (size, shape) in zip(campaign.sizes, families) {
                    let request = GenerationRequest(
                        prompt: variant.prompt, negativePrompt: variant.negativePrompt, seed: variant.seed,
                        width: shape.width, height: shape.height, model: campaign.generation.model,
                        brandColors: campaign.brand.colors, parameters: campaign.generation.parameters)
                    let job = try sink.job(
                        key: request.cacheKey(provider: campaign.generation.provider), request: request,
                        family: shape.family.name)
                    try sink.creative(
                        id: Creative.id(variant: variant.id, size: size.id), job: job, variant: stored, sizeID: size.id)
                }
            }
        }
    }

    /// `b_` and 16 random hex digits.
    static func newBatchID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return "b_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
