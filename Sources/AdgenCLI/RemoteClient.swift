import AdgenCore
import AdgenServer
import AdgenService
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The CLI as a client of `adgen serve` (`--server URL`, key in `ADGEN_API_KEY`): the campaign and the files it
/// names go up as one multipart upload, progress comes back from the batch's event stream, and the same renderer
/// and exit codes as a local run apply.
struct RemoteClient {
    let base: String
    let key: String
    let client: HTTPClient

    /// The server's answer to a request that failed: its status and the API's error object.
    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
        var diagnostics: [Diagnostic]

        var description: String { "the server answered \(status) \(code): \(message)" }
    }

    /// A batch as the API shows it.
    struct RemoteBatch: Decodable {
        struct Counts: Decodable {
            var total: Int
            var completed: Int
            var failed: Int
            var cancelled: Int
        }
        struct Cost: Decodable {
            var usd: Double
            var estimatedUsd: Double?
            var maxUsd: Double?
        }
        var id: String
        var status: String
        var campaign: String
        var provider: String
        var model: String
        var requestCounts: Counts
        var generationCounts: Counts
        var cost: Cost
        var reason: String?
        var createdAt: Int
        var updatedAt: Int?
        var finishedAt: Int?
        var galleryUrl: String

        /// The engine's value, for the renderer and the summary.
        var batch: Batch {
            func counts(_ counts: Counts) -> Batch.Counts {
                .init(
                    total: counts.total, completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled
                )
            }
            return Batch(
                id: id, campaign: campaign, state: Batch.State(rawValue: status) ?? .failed, provider: provider,
                model: model, creatives: counts(requestCounts), jobs: counts(generationCounts), costUSD: cost.usd,
                estimatedCostUSD: cost.estimatedUsd, maxCostUSD: cost.maxUsd, reason: reason,
                outputDirectory: galleryUrl, createdAt: Date(timeIntervalSince1970: Double(createdAt)),
                updatedAt: Date(timeIntervalSince1970: Double(updatedAt ?? createdAt)),
                finishedAt: finishedAt.map { Date(timeIntervalSince1970: Double($0)) })
        }
    }

    /// A client of `server`; nil when `ADGEN_API_KEY` is not set.
    init?(server: String, environment: [String: String], client: HTTPClient = .shared) {
        guard let key = environment["ADGEN_API_KEY"], !key.isEmpty else { return nil }
        base = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.key = key
        self.client = client
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    func request(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil)
        async throws -> (status: Int, body: ByteBuffer)
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let status = Int(response.status.code)
        guard status < 300 || status == 304 else { throw Self.failure(status: status, body: bytes) }
        return (status, bytes)
    }

    static func failure(status: Int, body: ByteBuffer) -> Failure {
        guard let error = APIErrorBody.decode(Array(buffer: body)) else {
            return Failure(status: status, code: "http_\(status)", message: String(buffer: body), diagnostics: [])
        }
        return Failure(status: status, code: error.code, message: error.message, diagnostics: error.diagnostics)
    }

    /// Submits a loaded campaign: its snapshot (the campaign and every file it names, by relative paths) as a
    /// multipart upload.
    func submit(_ context: BatchContext, idempotencyKey: String?) async throws -> (RemoteBatch, created: Bool) {
        let boundary = "adgen-\(UInt64.random(in: .min ... .max))"
        var body = [UInt8]()
        func part(name: String, filename: String, bytes: [UInt8]) {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += bytes
            body += Array("\r\n".utf8)
        }
        let source = context.source
        part(name: "campaign", filename: source.file, bytes: source.bytes)
        for file in source.files where !file.path.hasSuffix("/") {
            part(name: "file", filename: file.path, bytes: file.bytes)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var headers = [("Content-Type", "multipart/form-data; boundary=\(boundary)")]
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let (status, answer) = try await request(.POST, "/v1/batches", headers: headers, body: body)
        return (try Self.decoder.decode(RemoteBatch.self, from: Data(buffer: answer)), status == 201)
    }

    func batch(_ id: String) async throws -> RemoteBatch {
        try Self.decoder.decode(RemoteBatch.self, from: Data(buffer: try await request(.GET, "/v1/batches/\(id)").body))
    }

    func batches() async throws -> [RemoteBatch] {
        struct List: Decodable { var data: [RemoteBatch] }
        return try Self.decoder.decode(
            List.self, from: Data(buffer: try await request(.GET, "/v1/batches?limit=10").body)
        ).data
    }

    func cancel(_ id: String) async throws -> RemoteBatch {
        try Self.decoder.decode(
            RemoteBatch.self, from: Data(buffer: try await request(.POST, "/v1/batches/\(id)/cancel").body))
    }

    /// Follows batch `id`'s event stream to its end, yielding the progress as the CLI's events; reconnects with
    /// Last-Event-ID when the connection drops. Returns the batch as it ended.
    func follow(_ id: String, events: AsyncStream<BatchEvent>.Continuation) async throws -> RemoteBatch {
        defer { events.finish() }
        let start = ContinuousClock.now
        var lastID: String?
        var started = false
        var doneAtStart = 0
        while true {
            var request = HTTPClientRequest(url: base + "/v1/batches/\(id)/events")
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            if let lastID { request.headers.add(name: "Last-Event-ID", value: lastID) }
            do {
                let response = try await client.execute(request, timeout: .hours(24))
                guard response.status.code == 200 else {
                    throw Self.failure(
                        status: Int(response.status.code), body: try await response.body.collect(upTo: 1 << 20))
                }
                var pending = ""
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending = String(pending[end.upperBound...])
                        var event = "", data = ""
                        for line in block.split(separator: "\n") {
                            if line.hasPrefix("id: ") { lastID = String(line.dropFirst(4)) }
                            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                        }
                        guard event == "batch.progress" || event == "batch.completed" else { continue }
                        let batch = try await self.batch(id).batch
                        let elapsed = (ContinuousClock.now - start).seconds
                        if !started {
                            started = true
                            doneAtStart = batch.creatives.total - batch.creatives.remaining
                            events.yield(.started(BatchProgress(batch, elapsed: elapsed, doneAtStart: doneAtStart)))
                        }
                        if event == "batch.completed" {
                            events.yield(.finished(BatchProgress(batch, elapsed: elapsed, doneAtStart: doneAtStart)))
                            return try await self.batch(id)
                        }
                        _ = data
                        events.yield(.progress(BatchProgress(batch, elapsed: elapsed, doneAtStart: doneAtStart)))
                    }
                }
            } catch let failure as Failure {
                throw failure
            } catch {
                // The connection dropped: continue after the last event seen.
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Downloads a completed batch's manifest and packs into `ROOT/<campaign>/<batch-id>/` (`manifest.json`,
    /// `packs/size-<size>.zip`, `packs/platform-<platform>.zip`), each file written whole or not at all. Returns the
    /// folder and how many files were written.
    func download(_ id: String, into root: String) async throws -> (String, Int) {
        struct Manifest: Decodable {
            struct Campaign: Decodable { var name: String }
            struct Entry: Decodable {
                var sizeId: String
                var platform: String
            }
            var campaign: Campaign
            var creatives: [Entry]
        }
        let manifestBytes = try await request(.GET, "/v1/batches/\(id)/manifest.json").body
        let manifest = try Self.decoder.decode(Manifest.self, from: Data(buffer: manifestBytes))
        let directory = FolderExporter.directory(root: root, campaign: manifest.campaign.name, batch: id)
        try AtomicFile.write(Array(buffer: manifestBytes), to: "\(directory)/manifest.json")
        var packs = [String]()
        for entry in manifest.creatives {
            // Named as the exporter names them (FolderExporter.packs).
            let names = [
                "size-\(SafeName.component(entry.sizeId))",
                "platform-\(SafeName.component(entry.platform.lowercased()))",
            ]
            for name in names
            where !packs.contains(name) {
                packs.append(name)
            }
        }
        for pack in packs {
            let bytes = try await request(.GET, "/v1/batches/\(id)/packs/\(pack).zip").body
            try AtomicFile.write(Array(buffer: bytes), to: "\(directory)/packs/\(pack).zip")
        }
        return (directory, packs.count + 1)
    }
}
