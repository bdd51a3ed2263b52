import Foundation

/// The events adgen sends to webhook receivers. Every payload is `{"type", "timestamp", "data"}` (Standard
/// Webhooks), in JSON with snake_case keys; `docs/webhooks.md` documents each with a JSON Schema.
public enum WebhookEvent {
    /// An event type.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A creative was made (sent as each one finishes).
        case creativeCompleted = "creative.completed"
        /// A creative could not be made (its generation or its pipeline failed).
        case creativeFailed = "creative.failed"
        /// The batch reached a final state: `completed`, `failed` or `cancelled`.
        case batchCompleted = "batch.completed"
        /// A folder export was written.
        case exportReady = "export.ready"
    }

    /// Manifests up to this size go inline in `batch.completed`; larger ones are referred to by path.
    public static let inlineManifestLimit = 256 * 1024

    struct Envelope<Payload: Encodable>: Encodable {
        var type: String
        var timestamp: Date
        var data: Payload
    }

    /// `data` of `creative.completed` and `creative.failed`.
    struct CreativeData: Encodable {
        var batchId: String
        var campaign: String
        var creative: Creative
    }

    struct Creative: Encodable {
        var id: String
        var variantId: String
        var sizeId: String
        var platform: String?
        var width: Int?
        var height: Int?
        var state: String
        var file: String?
        var bytes: Int?
        var sha256: String?
        var format: String?
        var score: Double?
        var tags: [String]?
        var axes: [String: String]
        var seed: UInt64
        var prompt: String
        var reason: String?
    }

    /// `data` of `batch.completed`.
    struct BatchData<Manifest: Encodable>: Encodable {
        var batchId: String
        var campaign: String
        var state: String
        var reason: String?
        var creatives: Batch.Counts
        var generations: Batch.Counts
        var dropped: Int
        var costUsd: Double
        var createdAt: Date
        var finishedAt: Date?
        var manifest: Manifest?
        var manifestPath: String?
    }

    /// `data` of `export.ready`.
    struct ExportData: Encodable {
        var batchId: String
        var campaign: String
        var target: String
        var path: String
        var files: Int
        var bytes: Int
        var manifestSha256: String
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func encode<Payload: Encodable>(_ type: Kind, at timestamp: Date, _ data: Payload) throws -> [UInt8] {
        try event(type.rawValue, at: timestamp, data)
    }

    /// An event of another type in the same envelope and encoding (`{type, timestamp, data}`, snake_case keys):
    /// what the server's event streams send besides the webhook events (`batch.progress`).
    public static func event<Payload: Encodable>(_ type: String, at timestamp: Date, _ data: Payload) throws
        -> [UInt8]
    {
        Array(try encoder.encode(Envelope(type: type, timestamp: timestamp, data: data)))
    }

    /// The payload of `creative.completed` or `creative.failed` for `creative`, by its state.
    public static func creative(_ creative: CreativeRecord, context: BatchContext, at timestamp: Date) throws -> (
        Kind, [UInt8]
    ) {
        let campaign = context.campaign
        let size = context.size(creative.sizeID)
        let made = creative.state == .succeeded
        let kind: Kind = made ? .creativeCompleted : .creativeFailed
        let data = CreativeData(
            batchId: creative.batchID, campaign: campaign.name,
            creative: Creative(
                id: creative.id, variantId: creative.variant.id, sizeId: creative.sizeID, platform: size?.platform,
                width: size?.width, height: size?.height, state: creative.state.rawValue,
                file: made ? creative.file : nil, bytes: creative.bytes, sha256: creative.sha256,
                format: creative.format, score: creative.scorecard?.total,
                tags: creative.scorecard?.tags,
                axes: Dictionary(creative.variant.axes.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first }),
                seed: creative.variant.seed, prompt: creative.variant.prompt,
                reason: made ? nil : creative.failure ?? creative.dropped))
        return (kind, try encode(kind, at: timestamp, data))
    }

    /// The payload of `batch.completed`: counts and cost, and the manifest inline when it is small enough
    /// (`inlineManifestLimit`), otherwise the path of the folder export's `manifest.json` when there is one.
    public static func batchCompleted(
        _ batch: Batch, manifest: (some Encodable)?, manifestPath: String?, dropped: Int, at timestamp: Date
    ) throws -> [UInt8] {
        func data<M: Encodable>(_ manifest: M?) -> BatchData<M> {
            BatchData(
                batchId: batch.id, campaign: batch.campaign, state: batch.state.rawValue, reason: batch.reason,
                creatives: batch.creatives, generations: batch.jobs, dropped: dropped, costUsd: batch.costUSD,
                createdAt: batch.createdAt, finishedAt: batch.finishedAt, manifest: manifest,
                manifestPath: manifestPath)
        }
        let inline = try encode(.batchCompleted, at: timestamp, data(manifest))
        if manifest == nil || inline.count <= inlineManifestLimit { return inline }
        return try encode(.batchCompleted, at: timestamp, data(String?.none))
    }

    /// The payload of `export.ready` for a folder export.
    public static func exportReady(
        batch: Batch, path: String, files: Int, bytes: Int, manifestSHA256: String, at timestamp: Date
    ) throws -> [UInt8] {
        try encode(
            .exportReady, at: timestamp,
            ExportData(
                batchId: batch.id, campaign: batch.campaign, target: "folder", path: path, files: files, bytes: bytes,
                manifestSha256: manifestSHA256))
    }
}
