import AdgenCore
import AdgenSQLite
import AdgenServer
import AdgenService
import AdgenTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A server on a real SQLite file and data root in a temporary folder, with the local renderer, two tenants' keys,
/// its workers and delivery loop running: what `adgen serve` is, in process.
struct ServerHarness {
    static let alice = "key-alice-0123456789"
    static let bob = "key-bob-9876543210"

    /// A campaign the local renderer makes quickly: 2 headlines × 2 sizes = 4 creatives.
    static let campaign = """
        campaign: serve-demo
        brand: { name: Kettle & Crema, colors: ["#3B2417", "#E8DCC8", "#C8553D"] }
        axes:
          headline: ["Fresh roast.", "Your best cup."]
        prompt: "coffee beans on a walnut table, {{headline}}"
        sizes: [iab-mrec, meta-feed]
        pipeline:
          - layout: standard
          - encode: { format: png }
        """

    static var quiet: Logger {
        var logger = Logger(label: "server-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["ADGEN_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }

    /// Runs `body` with a live server (real HTTP on 127.0.0.1) and its folder.
    static func live<Value: Sendable>(
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, TemporaryDirectory) async throws -> Value
    ) async throws -> Value {
        let folder = try TemporaryDirectory(prefix: "adgen-serve")
        defer { folder.remove() }
        let store = try SQLiteJobStore(path: "\(folder.path)/adgen.sqlite")
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.workers = 2
        configuration.apiKeys = [alice, bob]
        configuration.workerPoll = .milliseconds(100)
        configuration.eventPoll = .milliseconds(50)
        // The test client gives up on a connection silent for 15 s; a loaded machine may take that between events.
        configuration.eventHeartbeat = .seconds(2)
        configure(&configuration)
        let settings = BatchService.Configuration(
            settings: .init(), dataRoot: DataRoot("\(folder.path)/data"), environment: [:])
        let server = configuration
        do {
            let value = try await BatchService.with(configuration: settings, store: store, logger: quiet) { service in
                let app = try await Server(service: service, configuration: server, logger: quiet).application()
                return try await app.test(.live) { client in try await body(client, folder) }
            }
            try await store.close()
            return value
        } catch {
            try? await store.close()
            throw error
        }
    }

    static func auth(_ key: String, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(key)"
        return fields
    }

    static func yaml(_ key: String, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = auth(key, extra)
        fields[.contentType] = "application/yaml"
        return fields
    }
}

extension TestResponse {
    /// The body as JSON.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    /// Polls batch `id` until it is finished (or 60 s pass).
    func waitFinished(_ id: String, key: String = ServerHarness.alice) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let batch = try await execute(uri: "/v1/batches/\(id)", method: .get, headers: ServerHarness.auth(key)).json
            if let status = batch["status"] as? String, ["completed", "failed", "cancelled"].contains(status) {
                return batch
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CancellationError()
    }

    /// Submits `campaign` as YAML and returns the batch object.
    func submit(_ campaign: String = ServerHarness.campaign, key: String = ServerHarness.alice) async throws
        -> [String: Any]
    {
        try await execute(
            uri: "/v1/batches", method: .post, headers: ServerHarness.yaml(key), body: ByteBuffer(string: campaign)
        ).json
    }
}
