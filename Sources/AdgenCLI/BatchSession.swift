import AdgenCore
import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the batch commands share: the store, the HTTP client, the provider factory, progress and summaries.
struct BatchSession {
    let options: StoreOptions
    let configuration: AdgenConfiguration
    let store: SQLiteJobStore
    let providers: ProviderFactory
    let interactive = isatty(2) != 0
    let logger: Logger
    /// `--wait`: seconds to wait for webhook retries, instead of `adgen.yaml`'s `webhooks.wait_s`.
    var waitOverride: Double?

    /// Opens the store and an HTTP client for the duration of `body`.
    static func with(options: StoreOptions, _ body: (BatchSession) async throws -> Void) async throws {
        let configuration = try options.configuration()
        let store = try options.open(configuration)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "adgen")
        logger.logLevel =
            ProcessInfo.processInfo.environment["ADGEN_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        // The client's default of 8 connections per host would cap a provider's `concurrency` at 8.
        var http = HTTPClient.Configuration()
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        try await HTTPClient.withHTTPClient(configuration: http) { client in
            let session = BatchSession(
                options: options, configuration: configuration, store: store,
                providers: ProviderFactory(environment: ProcessInfo.processInfo.environment, httpClient: client),
                logger: logger)
            try await body(session)
        }
    }

    /// The store's path, and its folder: generations and batch outputs live beside the database.
    var path: String { options.path(configuration) }
    var directory: String { (path as NSString).deletingLastPathComponent }

    /// The batch `id`, or exit 65 saying it is not in this store.
    func existingBatch(_ id: String) async throws -> Batch {
        guard let batch = try await store.batch(id: id) else {
            say("adgen: no batch \(id) in \(path); `adgen status` lists them")
            throw Exit.badInput
        }
        return batch
    }

    /// The campaign's generation settings, with what it leaves unset from `adgen.yaml`.
    func settings(for campaign: Campaign) -> GenerationSettings {
        campaign.generation.withDefaults(configuration.providers[campaign.generation.provider])
    }

    /// Prints a line on stderr.
    func say(_ line: String) {
        var errors = StreamWriter.standardError()
        errors.writeLine(line)
        errors.flush()
    }

    /// The campaign's provider, or the setup error (a missing key) as exit 78.
    func provider(for campaign: Campaign) throws -> any ImageProvider {
        do {
            _ = try providers.backgroundRemovers(for: campaign)
            return try providers.provider(for: campaign)
        } catch {
            say("adgen: \(campaign.file): \(error.description)")
            throw Exit.notConfigured
        }
    }

    func runner(useCache: Bool) -> BatchRunner {
        var settings = BatchRunner.Configuration(storeDirectory: directory)
        settings.useCache = useCache
        settings.providerDefaults = configuration.providers
        return BatchRunner(configuration: settings, store: store, providers: providers, logger: logger)
    }

    /// Runs a batch with a progress bar on a terminal while its webhook events go out, then exports it (to `out`
    /// and the campaign's folders), prints the summary (or the record with --json), and exits with the documented
    /// code.
    func run(_ batchID: String, useCache: Bool, out: String?) async throws {
        let runner = runner(useCache: useCache)
        let clock = ContinuousClock()
        let start = clock.now
        // When the runner is done, the other tasks finish their round and stop: a webhook round is not cut off in
        // the middle (its attempts would go unrecorded, and a 410 unheeded).
        let done = DoneSignal()
        let summary: BatchRunner.Summary = try await withThrowingTaskGroup(of: BatchRunner.Summary?.self) { group in
            group.addTask {
                defer { done.set() }
                return try await runner.run(batchID)
            }
            group.addTask {
                await deliverWhileRunning(batchID, until: done)
                return nil
            }
            if interactive {
                group.addTask {
                    let first = try? await store.batch(id: batchID)
                    let startDone = (first?.creatives.total ?? 0) - (first?.creatives.remaining ?? 0)
                    while !Task.isCancelled && !done.isSet {
                        try? await Task.sleep(for: .milliseconds(250))
                        guard let batch = try? await store.batch(id: batchID) else { continue }
                        let line = Self.progressLine(
                            batch, seconds: (clock.now - start).seconds, doneAtStart: startDone)
                        var errors = StreamWriter.standardError()
                        errors.write("\r\u{1B}[K" + line)
                        errors.flush()
                    }
                    return nil
                }
            }
            var summary: BatchRunner.Summary?
            while let result = try await group.next() {
                if let result { summary = result }
            }
            guard let summary else { throw CancellationError() }
            return summary
        }
        if interactive {
            var errors = StreamWriter.standardError()
            errors.write("\r\u{1B}[K")
            errors.flush()
        }
        let batch = summary.batch
        var exportFailure: ExitCode?
        if summary.paused == nil {
            do {
                try await deliver(batch, out: out)
            } catch let code as ExitCode {
                exportFailure = code
            }
        }
        if options.json {
            var output = StreamWriter.standardOutput()
            output.writeLine(try Self.json(batch))
            output.flush()
        }
        if interactive || summary.paused != nil || batch.state != .completed || batch.creatives.failed > 0 {
            for line in Self.describe(batch) { say(line) }
            let failures = try await store.creatives(batch: batchID).compactMap(\.failure)
            for (reason, count) in Self.tally(failures).prefix(10) { say("  \(count) × \(reason)") }
        }
        if let paused = summary.paused {
            say("adgen: paused: \(paused)")
            throw Exit.tryAgain
        }
        switch batch.state {
        case .cancelled: throw Exit.cancelled
        case .failed: throw Exit.someFailed
        default: if batch.creatives.completed < batch.creatives.total { throw Exit.someFailed }
        }
        if let exportFailure { throw exportFailure }
    }

    /// `running 120/400 · 3 failed · 4.2/s · ETA 66 s · $1.20`
    static func progressLine(_ batch: Batch, seconds: Double, doneAtStart: Int) -> String {
        let counts = batch.creatives
        let done = counts.total - counts.remaining
        let rate = seconds > 0 ? Double(done - doneAtStart) / seconds : 0
        var line = "\(batch.state.rawValue) \(done)/\(counts.total)"
        if counts.failed > 0 { line += " · \(counts.failed) failed" }
        line += " · \(String(format: "%.1f", rate))/s"
        if rate > 0 { line += " · ETA \(Int((Double(counts.remaining) / rate).rounded(.up))) s" }
        line += String(format: " · $%.2f", batch.costUSD)
        return line
    }

    /// The summary lines of a batch.
    static func describe(_ batch: Batch) -> [String] {
        let creatives = batch.creatives
        let jobs = batch.jobs
        var lines = ["batch \(batch.id) · \(batch.campaign) · \(batch.state.rawValue)"]
        lines.append(
            "  creatives: \(creatives.completed) made, \(creatives.failed) failed, \(creatives.cancelled) cancelled, "
                + "\(creatives.remaining) to do, of \(creatives.total)")
        lines.append(
            "  generations: \(jobs.completed) made, \(jobs.failed) failed, \(jobs.cancelled) cancelled, "
                + "\(jobs.remaining) to do, of \(jobs.total) (\(batch.provider)/\(batch.model))")
        var cost = String(format: "  cost: $%.2f", batch.costUSD)
        if let estimate = batch.estimatedCostUSD { cost += String(format: " (estimated $%.2f)", estimate) }
        if let cap = batch.maxCostUSD { cost += String(format: ", cap $%.2f", cap) }
        lines.append(cost)
        if let reason = batch.reason { lines.append("  reason: \(reason)") }
        lines.append("  files: \(batch.outputDirectory)")
        return lines
    }

    /// One line per batch for `adgen status`.
    static func oneLine(_ batch: Batch) -> String {
        let counts = batch.creatives
        return "\(batch.id)  \(batch.state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))  "
            + "\(counts.completed)/\(counts.total) made, \(counts.failed) failed  "
            + String(format: "$%.2f  ", batch.costUSD) + batch.campaign
    }

    /// Failure reasons by count, most frequent first.
    static func tally(_ reasons: [String]) -> [(String, Int)] {
        reasons.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }.sorted {
            ($1.value, $0.key) < ($0.value, $1.key)
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A one-way signal between tasks: set once, read by anyone.
final class DoneSignal: Sendable {
    private let value = Mutex(false)

    /// Whether it was set.
    var isSet: Bool { value.withLock { $0 } }

    /// Sets it.
    func set() { value.withLock { $0 = true } }
}

/// SHA-256 in hex.
enum Digest {
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension Exit {
    /// The batch was cancelled.
    static let cancelled = ExitCode(4)
    /// A provider or the store is unavailable.
    static let unavailable = ExitCode(69)
    /// Paused on an operator error (a full disk): fix it, then `adgen resume`.
    static let tryAgain = ExitCode(75)
    /// The provider is not configured (a missing API key).
    static let notConfigured = ExitCode(78)
}
