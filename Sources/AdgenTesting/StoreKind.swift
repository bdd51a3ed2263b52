import AdgenCore
import AdgenSQLite
import Foundation

/// The store implementations the contract suites run against: each test is run once per kind, so a second store
/// (PostgreSQL) joins by adding a case.
public enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// SQLite in memory (GRDB `DatabaseQueue`).
    case sqliteMemory = "sqlite-memory"
    /// SQLite in a file (GRDB `DatabasePool`, WAL), as the CLI and `adgen serve` use it.
    case sqliteFile = "sqlite-file"

    public var description: String { rawValue }

    /// A fresh, empty store of this kind; `body` gets it, and it is closed and removed after.
    public func withStore<Result>(_ body: (any BatchStore) async throws -> Result) async throws -> Result {
        switch self {
        case .sqliteMemory:
            return try await Self.using(try SQLiteJobStore(), body)
        case .sqliteFile:
            let folder = try TemporaryDirectory(prefix: "adgen-store")
            defer { folder.remove() }
            return try await Self.using(try SQLiteJobStore(path: "\(folder.path)/adgen.sqlite"), body)
        }
    }

    /// Runs `body` with `store`, then closes it (also when `body` throws).
    private static func using<Result>(
        _ store: some BatchStore, _ body: (any BatchStore) async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// Batches for store tests, submitted through the `JobStore` protocol.
public enum StoreFixture {
    /// A fixed moment the tests count from.
    public static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// The plan of a batch of `jobs` jobs with two creatives each (`meta-feed` and `google-rda-square`); every job's
    /// key is listed twice, as a real plan lists it once per size.
    public static func plan(jobs: Int) -> [PlannedCreative] {
        (0..<jobs).flatMap { index -> [PlannedCreative] in
            let request = GenerationRequest(
                prompt: "prompt \(index)", seed: 1, width: 1024, height: 1024, model: "procedural-v1")
            let variant = StoredVariant(
                Variant(
                    index: UInt64(index), prompt: "prompt \(index)", negativePrompt: nil, axes: [], seed: 1, sizes: []))
            return ["meta-feed", "google-rda-square"].map { size in
                PlannedCreative(
                    jobKey: request.cacheKey(provider: "local"), request: request, family: "1:1",
                    creativeID: "\(size)-\(index)", variant: variant, sizeID: size)
            }
        }
    }

    /// Submits a batch `id` of `jobs` jobs with two creatives each, for `tenant` (none: the CLI's).
    @discardableResult
    public static func submit(
        _ store: some JobStore, id: String = "b_1", jobs: Int = 3, key: String? = nil, now: Date = t0,
        tenant: String? = nil, requestDigest: String? = nil
    ) async throws -> (batch: Batch, created: Bool) {
        let header = BatchHeader(
            id: id, campaign: "demo", provider: "local", model: "procedural-v1",
            source: CampaignSource(bytes: Array("campaign: demo".utf8), file: "demo.yaml", directory: "campaign"),
            idempotencyKey: key, estimatedCostUSD: 0.12, maxCostUSD: nil, outputDirectory: DataRoot.batchFolder(id),
            now: now, tenant: tenant, requestDigest: requestDigest)
        return try await store.submit(header, plan: plan(jobs: jobs))
    }
}
