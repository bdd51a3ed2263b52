import AdgenCore
import Foundation

/// The API's JSON objects, made from the engine's values: one place, so every route shows a batch or a creative the
/// same way.
struct Representations: Sendable {
    let views: ViewTokens

    func batch(_ batch: Batch, tenant: String, now: Date = Date()) -> Components.Schemas.Batch {
        Components.Schemas.Batch(
            id: batch.id, object: .batch, status: Self.status(batch.state), campaign: batch.campaign,
            provider: batch.provider, model: batch.model, requestCounts: Self.counts(batch.creatives),
            generationCounts: Self.counts(batch.jobs),
            cost: .init(usd: batch.costUSD, estimatedUsd: batch.estimatedCostUSD, maxUsd: batch.maxCostUSD),
            reason: batch.reason, createdAt: Int(batch.createdAt.timeIntervalSince1970),
            updatedAt: Int(batch.updatedAt.timeIntervalSince1970),
            finishedAt: batch.finishedAt.map { Int($0.timeIntervalSince1970) },
            galleryUrl: galleryURL(batch.id, tenant: tenant, now: now))
    }

    /// A dry run's batch: what would be stored, with its plan.
    func dryRun(_ context: BatchContext, tenant: String) -> Components.Schemas.Batch {
        let plan = context.plan
        let campaign = context.campaign
        return Components.Schemas.Batch(
            id: "b_0000000000000000", object: .batch, status: .validating, campaign: campaign.name,
            provider: campaign.generation.provider, model: campaign.generation.model,
            requestCounts: .init(total: plan.creatives, completed: 0, failed: 0, cancelled: 0),
            generationCounts: .init(total: plan.generations, completed: 0, failed: 0, cancelled: 0),
            cost: .init(usd: 0, estimatedUsd: plan.estimatedCostUSD, maxUsd: campaign.generation.maxCostUSD),
            createdAt: Int(Date().timeIntervalSince1970), dryRun: true,
            plan: .init(
                variants: plan.variants, creatives: plan.creatives, generations: plan.generations,
                sizes: campaign.sizes.map(\.id)),
            galleryUrl: "")
    }

    func galleryURL(_ batch: String, tenant: String, now: Date) -> String {
        "/batches/\(batch)?view=\(views.token(tenant: tenant, batch: batch, now: now))"
    }

    func creative(_ creative: CreativeRecord, cost: Double? = nil) -> Components.Schemas.Creative {
        let id = CreativeHandle(batch: creative.batchID, creative: creative.id).description
        let made = creative.state == .succeeded && creative.dropped == nil
        return Components.Schemas.Creative(
            id: id, object: .creative, batchId: creative.batchID, size: creative.sizeID,
            status: Self.status(creative.state), variant: Int(clamping: creative.variant.index),
            prompt: creative.variant.prompt, negativePrompt: creative.variant.negativePrompt,
            seed: Int(clamping: creative.variant.seed),
            axes: .init(
                additionalProperties: Dictionary(
                    creative.variant.axes.filter { $0.count == 2 }.map { ($0[0], $0[1]) },
                    uniquingKeysWith: { first, _ in first })),
            tags: creative.scorecard?.tags ?? [], score: creative.scorecard?.total,
            scores: creative.scorecard?.checks.compactMap { check in
                check.score.map { .init(name: check.name, score: $0, detail: check.reason) }
            },
            dropped: creative.dropped, failure: creative.failure, format: creative.format, bytes: creative.bytes,
            sha256: creative.sha256, costUsd: cost, imageUrl: made ? "/v1/creatives/\(id)/image" : nil,
            boxes: creative.boxes.map { .init(additionalProperties: $0) })
    }

    static func counts(_ counts: Batch.Counts) -> Components.Schemas.Counts {
        .init(total: counts.total, completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled)
    }

    static func status(_ state: Batch.State) -> Components.Schemas.BatchStatus {
        Components.Schemas.BatchStatus(rawValue: state.rawValue) ?? .failed
    }

    static func status(_ state: CreativeRecord.State) -> Components.Schemas.CreativeStatus {
        Components.Schemas.CreativeStatus(rawValue: state.rawValue) ?? .failed
    }
}

/// A creative's id in the API, `cr_<batch hex>_<creative id>`: creative ids are unique within their batch only.
struct CreativeHandle: CustomStringConvertible, Equatable {
    var batch: String
    var creative: String

    init(batch: String, creative: String) {
        self.batch = batch
        self.creative = creative
    }

    /// Parses an API id; nil when it is not one.
    init?(_ text: String) {
        guard text.hasPrefix("cr_"), text.count > 21 else { return nil }
        let rest = text.dropFirst(3)
        let hex = rest.prefix(16)
        guard hex.allSatisfy(\.isHexDigit), rest.dropFirst(16).first == "_" else { return nil }
        let creative = rest.dropFirst(17)
        guard !creative.isEmpty, creative.count <= 64,
            creative.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { return nil }
        batch = "b_" + hex
        self.creative = String(creative)
    }

    var description: String { "cr_\(batch.dropFirst(2))_\(creative)" }
}

/// Opaque cursors: what a page continues after, base64url of a small JSON value, so clients cannot build them.
enum Cursor {
    static func encode(_ value: some Encodable) -> String {
        guard let data = try? JSONEncoder().encode(value) else { return "" }
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode<Value: Decodable>(_ text: String?, as type: Value.Type) throws(APIError) -> Value? {
        guard let text else { return nil }
        try APIHandler.check(text, "cursor", maxLength: 200)
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let value = try? JSONDecoder().decode(type, from: data) else {
            throw .badRequest("cursor \(text) is not one this server gave; pass the `next_cursor` of the previous page")
        }
        return value
    }
}
