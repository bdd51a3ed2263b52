import AdgenCore
import AdgenSQLite
import AdgenService
import ArgumentParser
import Crypto
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the batch commands share: the store and the service over it, and how to print.
struct BatchSession {
    let options: StoreOptions
    let service: BatchService
    let interactive = isatty(2) != 0

    /// Opens the store and a service over it for the duration of `body`; the store is closed after.
    static func with(
        options: StoreOptions, configuration: AdgenConfiguration? = nil, _ body: (BatchSession) async throws -> Void
    ) async throws {
        let configuration = try configuration ?? options.configuration()
        let store = try options.open(configuration)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "adgen")
        logger.logLevel =
            ProcessInfo.processInfo.environment["ADGEN_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let settings = BatchService.Configuration(
            settings: configuration, dataRoot: options.dataRoot(configuration),
            environment: ProcessInfo.processInfo.environment)
        do {
            try await BatchService.with(configuration: settings, store: store, logger: logger) { service in
                try await body(BatchSession(options: options, service: service))
            }
        } catch {
            try? await store.close()
            throw error
        }
        try? await store.close()
    }

    /// The store's path.
    var path: String { options.path(service.configuration.settings) }

    /// Prints a line on stderr.
    func say(_ line: String) {
        var errors = StreamWriter.standardError()
        errors.writeLine(line)
        errors.flush()
    }

    /// Prints a service error and gives its exit code to throw.
    func fail(_ error: ServiceError) -> ExitCode {
        if error.kind == .invalidCampaign {
            report(error.diagnostics)
        } else if error.kind == .noSuchBatch {
            say("adgen: \(error.message) (\(path))")
        } else {
            say("adgen: \(error.message)")
        }
        return Exit.code(for: error)
    }

    /// Runs `body`, printing a service error it throws and exiting with its code.
    func checked<Result>(_ body: () async throws(ServiceError) -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw fail(error)
        }
    }

    /// Prints what a run or export did as it happens, in the chosen progress mode, while `body` works; `body` gets
    /// the continuation to give the service (which finishes it).
    func rendering<Result: Sendable>(
        _ mode: ProgressMode, _ body: @Sendable (AsyncStream<BatchEvent>.Continuation) async throws -> Result
    ) async throws -> Result {
        let (events, continuation) = AsyncStream.makeStream(of: BatchEvent.self, bufferingPolicy: .bufferingNewest(64))
        var renderer = ProgressRenderer(mode: mode.resolved(interactive: interactive), interactive: interactive)
        async let result = body(continuation)
        for await event in events { renderer.render(event) }
        renderer.finish()
        return try await result
    }

    /// Prints what a run left: the webhooks line is the renderer's; here the JSON record, the summary when it is
    /// worth reading (a terminal, a pause, a failure) and the failure reasons; then throws the documented exit code.
    func conclude(_ outcome: BatchService.RunOutcome) async throws {
        let batch = outcome.batch
        if options.json {
            var output = StreamWriter.standardOutput()
            output.writeLine(try Self.json(resolved(batch)))
            output.flush()
        }
        if interactive || outcome.paused != nil || batch.state != .completed || batch.creatives.failed > 0 {
            for line in Self.describe(resolved(batch)) { say(line) }
            for failure in try await checked({ () async throws(ServiceError) in
                try await service.failureReasons(batch.id)
            }) {
                say("  \(failure.count) × \(failure.reason)")
            }
        }
        if let paused = outcome.paused {
            say("adgen: paused: \(paused)")
            throw Exit.tryAgain
        }
        try Self.exit(for: batch)
        if let failure = outcome.exportFailures.first { throw Exit.code(for: failure) }
    }

    /// Throws the exit code of a batch as it ended: 4 cancelled; 3 failed, or some creatives not made.
    static func exit(for batch: Batch) throws {
        switch batch.state {
        case .cancelled: throw Exit.cancelled
        case .failed: throw Exit.someFailed
        default: if batch.creatives.completed < batch.creatives.total { throw Exit.someFailed }
        }
    }

    /// The batch with its output folder absolute, as a person or a script reading the output needs it.
    func resolved(_ batch: Batch) -> Batch {
        var batch = batch
        batch.outputDirectory = service.configuration.dataRoot.resolve(batch.outputDirectory)
        return batch
    }

    /// The summary lines of a batch (its output folder resolved).
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

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// SHA-256 in hex.
enum Digest {
    static func sha256(_ bytes: [UInt8]) -> String {
        Hex.string(SHA256.hash(data: bytes))
    }
}
