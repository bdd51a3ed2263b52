import AdgenCore
import AdgenServer
import AdgenService
import ArgumentParser
import Crypto
import Foundation
import Logging

extension Adgen {
    /// `adgen serve`
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the HTTP batch API (docs/service.md) with in-process workers on the store.",
            discussion: """
                API keys come from $ADGEN_API_KEYS (comma-separated) and adgen.yaml's server.api_keys (digests). \
                SIGTERM stops accepting requests, lets the generations in flight finish for --grace seconds and \
                gives the rest back to the queue.
                """)

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0: any free port, printed when listening).")
        var port = 8080

        @Option(help: "Batches run at once in this process (default: the CPU count; 0 runs none).")
        var workers: Int?

        @Option(help: "Seconds in-flight generations may take to finish after SIGTERM.")
        var grace = 30.0

        @Option(
            help: "Requests a second per key (0: no limit; default 100 or adgen.yaml's server.requests_per_second).")
        var rateLimit: Double?

        @Option(help: "Print the SHA-256 of KEY, for adgen.yaml's server.api_keys, and exit.")
        var hashKey: String?

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port is from 0 to 65535") }
            if let workers, workers < 0 { throw ValidationError("--workers is 0 or more") }
            guard grace >= 0 else { throw ValidationError("--grace is 0 or more seconds") }
        }

        func run() async throws {
            if let hashKey {
                print(Digest.sha256(Array(hashKey.utf8)))
                return
            }
            let settings = try storeOptions.configuration()
            let environment = ProcessInfo.processInfo.environment
            var configuration = ServerConfiguration()
            configuration.host = host
            configuration.port = port
            if let workers { configuration.workers = workers }
            configuration.grace = .milliseconds(Int((grace * 1000).rounded()))
            configuration.apiKeys = (environment["ADGEN_API_KEYS"] ?? "").split(separator: ",").map(String.init)
            configuration.apiKeyDigests = settings.server.apiKeys.map { ($0.sha256, $0.tenant) }
            if let rate = rateLimit ?? settings.server.requestsPerSecond {
                configuration.limits.requestsPerSecond = rate
            }
            if let active = settings.server.activeBatchesPerKey { configuration.limits.activeBatchesPerKey = active }
            if let most = settings.server.creativesPerBatch { configuration.limits.creativesPerBatch = most }
            if let secret = environment["ADGEN_VIEW_SECRET"], !secret.isEmpty {
                configuration.viewSecret = Array(SHA256.hash(data: Array(secret.utf8)))
            }
            if configuration.apiKeys.isEmpty && configuration.apiKeyDigests.isEmpty {
                var errors = StreamWriter.standardError()
                errors.writeLine(
                    "adgen serve: no API keys: set ADGEN_API_KEYS=KEY[,KEY…] or adgen.yaml's server.api_keys")
                errors.flush()
                throw Exit.notConfigured
            }
            let metrics = ServerMetrics()
            ServerMetrics.bootstrap(metrics.registry)
            try await BatchSession.with(options: storeOptions, configuration: settings) { session in
                var logger = Logger(label: "adgen.serve")
                logger.logLevel = environment["ADGEN_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
                let server = Server(
                    service: session.service, configuration: configuration, metrics: metrics, logger: logger)
                let host = host
                try await server.run { port in
                    var output = StreamWriter.standardOutput()
                    output.writeLine("adgen serve: listening on http://\(host):\(port) (store \(session.path))")
                    output.flush()
                }
            }
        }
    }
}
