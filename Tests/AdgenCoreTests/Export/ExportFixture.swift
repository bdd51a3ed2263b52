import AdgenSQLite
import AdgenTesting
import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import Testing

@testable import AdgenCore

/// A real finished batch: a small campaign (2 headlines × 2 CTAs at a 300×250 and a 400×400 size: 8 creatives
/// cut from one generation per aspect family) run with the local renderer into an SQLite store in a temporary folder.
struct ExportFixture: Sendable {
    static let campaign = """
        campaign: export-test
        brand: { name: "Acme & Sons <Outdoor>", colors: ["#FF5A1F", "#1F2937"] }
        brief: { product: trail shoe }
        product: { image: "\(Repository.path("campaigns/assets/products/ridge-3.png"))" }
        axes:
          headline: ["Own the trail.", "=HYPERLINK(\\"http://evil.example\\", \\"Run, further\\")"]
          cta: [Shop now, "<b>Go</b>"]
        prompt: "photoreal product shot of a {{brief.product}}, warm light"
        sizes: [iab-mrec, 400x400]
        generation: { concurrency: 2 }
        pipeline:
          - crop: { strategy: attention }
          - layout
          - encode: { format: jpeg, quality: 85 }
        export:
          - folder: out
          - webhook: { url: "https://hooks.example.com/adgen?token=hook-token-123", secret_env: ADGEN_WEBHOOK_SECRET_NAME }
        """

    /// The folder holding the store, the campaign and the batch's creatives.
    let folder: TemporaryDirectory
    let storePath: String
    let batchID: String

    let context: BatchContext

    /// The data root: the store's folder.
    var dataRoot: DataRoot { DataRoot((storePath as NSString).deletingLastPathComponent) }

    /// The batch as export reads it.
    func delivery() async throws -> DeliveryBatch {
        try await DeliveryBatch.load(
            batch: batchID, context: context, dataRoot: dataRoot, from: try SQLiteJobStore(path: storePath))
    }

    /// One batch made per test process; tests that change files copy it first (`copy()`).
    static let shared = Task { try await make() }

    static func make() async throws -> ExportFixture {
        let folder = try TemporaryDirectory(prefix: "adgen-export")
        let file = try folder.write("campaign/c.yaml", campaign)
        let source = CampaignSource(
            bytes: Array(campaign.utf8), file: file, directory: (file as NSString).deletingLastPathComponent)
        let context = try BatchContext(source: source)
        let storePath = "\(folder.path)/store/adgen.sqlite"
        let store = try SQLiteJobStore(path: storePath)
        let submitted = try await BatchSubmitter().submit(
            context, to: store, idempotencyKey: "test-key", now: Date(timeIntervalSince1970: 1_790_000_000))
        var logger = Logger(label: "export-test")
        logger.logLevel = .error
        let runner = BatchRunner(
            configuration: .init(dataRoot: DataRoot("\(folder.path)/store")), store: store,
            providers: ProviderFactory(environment: [:], httpClient: .shared), logger: logger)
        let summary = try await runner.run(submitted.batch.id, context: context)
        #expect(summary.batch.state == .completed, "\(summary.batch.reason ?? "")")
        // Drop one creative the way the batch pass does, so the export has one to exclude.
        let creatives = try await store.creatives(batch: submitted.batch.id)
        let victim = try #require(creatives.sorted { $0.id < $1.id }.first { $0.state == .succeeded })
        try await store.judge(
            batch: submitted.batch.id,
            [
                CreativeVerdict(
                    id: victim.id, scorecard: try #require(victim.scorecard),
                    dropped: "near-duplicate of another creative")
            ])
        return ExportFixture(folder: folder, storePath: storePath, batchID: submitted.batch.id, context: context)
    }

    /// The batch's output folder copied elsewhere, and the delivery pointing at the copy: files may be changed.
    func copy() async throws -> (delivery: DeliveryBatch, folder: TemporaryDirectory) {
        var delivery = try await delivery()
        let copy = try TemporaryDirectory(prefix: "adgen-export-copy")
        let target = "\(copy.path)/batch"
        try FileManager.default.copyItem(atPath: delivery.batch.outputDirectory, toPath: target)
        delivery.batch.outputDirectory = target
        return (delivery, copy)
    }
}

/// Every regular file under `folder`, relative path → bytes.
func filesUnder(_ folder: String) throws -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    let walker = try #require(FileManager.default.enumerator(atPath: folder))
    for case let relative as String in walker {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: "\(folder)/\(relative)", isDirectory: &isFolder)
        if !isFolder.boolValue {
            result[relative] = [UInt8](try #require(FileManager.default.contents(atPath: "\(folder)/\(relative)")))
        }
    }
    return result
}

func sha256Hex(_ bytes: some DataProtocol) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// A strict RFC 4180 reader: rows of fields.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var scalars = Array(text.unicodeScalars)[...]
    while let scalar = scalars.popFirst() {
        if quoted {
            if scalar == "\"" {
                if scalars.first == "\"" {
                    field.unicodeScalars.append(scalars.removeFirst())
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" && field.isEmpty {
            quoted = true
        } else if scalar == "," {
            row.append(field)
            field = ""
        } else if scalar == "\r" && scalars.first == "\n" {
            scalars.removeFirst()
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else {
            field.unicodeScalars.append(scalar)
        }
    }
    if !field.isEmpty || !row.isEmpty {
        row.append(field)
        rows.append(row)
    }
    return rows
}
