import AdgenCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--store PATH` and `--config PATH`, shared by the batch commands.
struct StoreOptions: ParsableArguments {
    @Option(help: "The job store (an SQLite file; default $ADGEN_STORE, the config's store, or .adgen/adgen.sqlite).")
    var store: String?

    @Option(help: "Provider defaults and the store's path (default $ADGEN_CONFIG, or ./adgen.yaml when present).")
    var config: String?

    @Flag(help: "Print the batch record as JSON on stdout.")
    var json = false

    /// The operator's configuration; its errors are printed with their positions (exit 65).
    func configuration() throws -> AdgenConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard let path = AdgenConfiguration.locate(explicit: config, environment: environment) else { return .init() }
        do {
            return try AdgenConfiguration.load(path: path)
        } catch {
            report(error.diagnostics)
            throw Exit.badInput
        }
    }

    /// The store's path, absolute.
    func path(_ configuration: AdgenConfiguration) -> String {
        let path =
            store ?? ProcessInfo.processInfo.environment["ADGEN_STORE"] ?? configuration.store ?? ".adgen/adgen.sqlite"
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    func open(_ configuration: AdgenConfiguration) throws -> SQLiteJobStore {
        let path = path(configuration)
        do {
            return try SQLiteJobStore(path: path)
        } catch {
            var errors = StreamWriter.standardError()
            errors.writeLine("adgen: cannot open the store \(path): \(error)")
            errors.flush()
            throw Exit.unavailable
        }
    }
}

extension Adgen {
    /// `adgen run FILE [--out DIR] [--store PATH] [--json]`
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a campaign as a durable batch: generate, lay out, encode, score and write every creative.",
            discussion: """
                The batch lives in the store: if the process is killed, `adgen run` on the same file (or \
                `adgen resume BATCH`) finishes it without asking the provider again for anything already made. \
                An unchanged campaign is the same batch (its idempotency key is the file's digest); --new starts \
                another, which reuses every cached generation. Exit codes: 0 every creative made; 3 some failed \
                or were cancelled by the budget (reasons summarised); 4 the batch was cancelled; 65 bad campaign; \
                69 provider or store unavailable; 73 an export folder could not be written (the results stay in \
                the store: `adgen export BATCH --to folder:DIR`); 75 paused (disk full or unwritable folder: fix, then resume); \
                78 provider not configured (a missing API key).
                """)

        @Argument(help: "A campaign YAML file.")
        var file: String

        @Option(help: "Also export the batch to DIR/<campaign>/<batch-id>/ (creatives, manifests, packs, gallery).")
        var out: String?

        @Option(help: "Submit with this idempotency key (default: the campaign file's digest).")
        var idempotencyKey: String?

        @Flag(help: "Start a new batch even when this campaign already has one.")
        var new = false

        @Flag(help: "Generate every image again instead of reusing cached generations.")
        var noCache = false

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            guard let data = FileManager.default.contents(atPath: path) else {
                report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), "cannot read \(file)")])
                throw Exit.badInput
            }
            let source = CampaignSource(
                bytes: Array(data), file: file, directory: (path as NSString).deletingLastPathComponent)
            let campaign: Campaign
            do {
                campaign = try CampaignLoader().load(
                    bytes: source.bytes, file: source.file, directory: source.directory)
            } catch {
                report(error.diagnostics)
                throw Exit.badInput
            }
            try await BatchSession.with(options: options) { session in
                var campaign = campaign
                campaign.generation = session.settings(for: campaign)
                // The provider is set up (credentials checked) before anything is submitted.
                _ = try session.provider(for: campaign)
                try session.checkWebhooks(of: campaign)
                let key: String? =
                    new || noCache ? idempotencyKey : (idempotencyKey ?? "campaign:" + Digest.sha256(source.bytes))
                let (batch, created) = try await BatchSubmitter(outputRoot: "\(session.directory)/batches").submit(
                    campaign, source: source, to: session.store, idempotencyKey: key, now: Date())
                if !created && batch.state.isFinished {
                    session.say(
                        "batch \(batch.id) of this campaign is already \(batch.state.rawValue); --new starts another "
                            + "(cached generations are reused)")
                } else if !created && session.interactive {
                    session.say("batch \(batch.id) (\(batch.state.rawValue)) is this campaign's; continuing it")
                } else if created && session.interactive {
                    session.say(
                        "batch \(batch.id): \(batch.creatives.total) creatives from \(batch.jobs.total) generations"
                            + (batch.estimatedCostUSD.map { String(format: ", estimated $%.2f", $0) } ?? ""))
                }
                try await session.registerWebhooks(of: campaign, batch: batch.id)
                try await session.run(batch.id, useCache: !noCache, out: out)
            }
        }
    }

    /// `adgen resume BATCH`
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finish a batch that was interrupted (killed, paused on a full disk): nothing done is redone.")

        @Argument(help: "The batch id.")
        var batch: String

        @Option(help: "Also export the batch to DIR/<campaign>/<batch-id>/ (creatives, manifests, packs, gallery).")
        var out: String?

        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await BatchSession.with(options: options) { session in
                _ = try await session.existingBatch(batch)
                let campaign = try await session.runner(useCache: true).campaign(of: batch)
                _ = try session.provider(for: campaign)
                try session.checkWebhooks(of: campaign)
                try await session.registerWebhooks(of: campaign, batch: batch)
                try await session.run(batch, useCache: true, out: out)
            }
        }
    }

    /// `adgen status [BATCH]`
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a batch (or the latest batches): state, creatives and generations, cost.")

        @Argument(help: "The batch id (default: the 10 latest batches).")
        var batch: String?

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let configuration = try options.configuration()
            let store = try options.open(configuration)
            var output = StreamWriter.standardOutput()
            if let batch {
                guard let record = try await store.batch(id: batch) else {
                    var errors = StreamWriter.standardError()
                    errors.writeLine("adgen: no batch \(batch) in \(options.path(configuration))")
                    errors.flush()
                    throw Exit.badInput
                }
                if options.json {
                    output.writeLine(try BatchSession.json(record))
                } else {
                    for line in BatchSession.describe(record) { output.writeLine(line) }
                    let failures = try await store.creatives(batch: batch).filter { $0.failure != nil }
                    for (reason, count) in BatchSession.tally(failures.compactMap(\.failure)).prefix(10) {
                        output.writeLine("  \(count) × \(reason)")
                    }
                }
            } else {
                let batches = try await store.batches(limit: 10)
                if options.json {
                    output.writeLine(try BatchSession.json(batches))
                } else if batches.isEmpty {
                    output.writeLine("no batches in \(options.path(configuration))")
                } else {
                    for record in batches { output.writeLine(BatchSession.oneLine(record)) }
                }
            }
            output.flush()
        }
    }

    /// `adgen cancel BATCH`
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a batch: nothing new starts, and a running `adgen run` stops what is in flight.")

        @Argument(help: "The batch id.")
        var batch: String

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let configuration = try options.configuration()
            let store = try options.open(configuration)
            guard let record = try await store.batch(id: batch) else {
                var errors = StreamWriter.standardError()
                errors.writeLine("adgen: no batch \(batch) in \(options.path(configuration))")
                errors.flush()
                throw Exit.badInput
            }
            if !record.state.isFinished {
                try await store.cancelPending(
                    batch: batch, reason: "cancelled by the user", cancelBatch: true, now: Date())
            }
            let after = try await store.batch(id: batch) ?? record
            var output = StreamWriter.standardOutput()
            if options.json {
                output.writeLine(try BatchSession.json(after))
            } else {
                output.writeLine(
                    record.state.isFinished
                        ? "batch \(batch) is already \(record.state.rawValue)" : BatchSession.oneLine(after))
            }
            output.flush()
        }
    }
}
