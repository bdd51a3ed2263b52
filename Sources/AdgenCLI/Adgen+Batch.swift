import AdgenCore
import AdgenSQLite
import AdgenService
import ArgumentParser
import Foundation

/// `--store PATH`, `--data DIR` and `--config PATH`, shared by the batch commands.
struct StoreOptions: ParsableArguments {
    @Option(help: "The job store (an SQLite file; default $ADGEN_STORE, the config's store, or .adgen/adgen.sqlite).")
    var store: String?

    @Option(
        help:
            "Where generations and creatives are written (default $ADGEN_DATA, the config's data, or the store's folder)."
    )
    var data: String?

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

    /// The data root: `--data`, `$ADGEN_DATA`, `adgen.yaml`'s `data`, else the store's folder.
    func dataRoot(_ configuration: AdgenConfiguration) -> DataRoot {
        let environment = ProcessInfo.processInfo.environment["ADGEN_DATA"].flatMap { $0.isEmpty ? nil : $0 }
        return DataRoot(
            data ?? environment ?? configuration.data ?? (path(configuration) as NSString).deletingLastPathComponent)
    }

    /// Opens the store, or exits 69 saying why it cannot.
    func open(_ configuration: AdgenConfiguration) throws -> SQLiteJobStore {
        do {
            return try SQLiteJobStore(path: path(configuration))
        } catch {
            var errors = StreamWriter.standardError()
            errors.writeLine("adgen: \(error.message)")
            errors.flush()
            throw Exit.unavailable
        }
    }
}

/// `--progress` and `--out`, shared by the commands that run a batch.
struct RunOptions: ParsableArguments {
    @Option(help: "Also export the batch to DIR/<campaign>/<batch-id>/ (creatives, manifests, packs, gallery).")
    var out: String?

    @Option(
        help: """
            How progress shows: auto (a bar on a terminal, else a line every 10 s), bar, lines, json (NDJSON events on \
            stdout), none.
            """)
    var progress: ProgressMode = .auto

    /// The service's run options.
    func options(useCache: Bool) -> BatchService.RunOptions {
        var options = BatchService.RunOptions()
        options.useCache = useCache
        options.exportFolders = out.map { [$0] } ?? []
        return options
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

        @Option(help: "Submit with this idempotency key (default: the campaign file's digest).")
        var idempotencyKey: String?

        @Flag(help: "Start a new batch even when this campaign already has one.")
        var new = false

        @Flag(help: "Generate every image again instead of reusing cached generations.")
        var noCache = false

        @OptionGroup var run: RunOptions

        @OptionGroup var options: StoreOptions

        @OptionGroup var remote: RemoteOptions

        func run() async throws {
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            guard let data = FileManager.default.contents(atPath: path) else {
                report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), "cannot read \(file)")])
                throw Exit.badInput
            }
            let source = CampaignSource(
                bytes: Array(data), file: file, directory: (path as NSString).deletingLastPathComponent)
            // The campaign is checked before the store is opened: an invalid one stores nothing.
            let configuration = try options.configuration()
            let context: BatchContext
            do {
                context = try BatchService.load(source, settings: configuration)
            } catch {
                report(error.diagnostics)
                throw Exit.badInput
            }
            let key: String? =
                new || noCache ? idempotencyKey : (idempotencyKey ?? "campaign:" + Digest.sha256(source.bytes))
            if let server = remote.server {
                try await RemoteSession.with(server: server) { session in
                    try await session.run(context, idempotencyKey: key, progress: run.progress, json: options.json)
                }
                return
            }
            try await BatchSession.with(options: options, configuration: configuration) { session in
                let service = session.service
                let submission = try await session.checked { () async throws(ServiceError) in
                    try await service.submit(context, idempotencyKey: key, now: Date())
                }
                let batch = submission.batch
                if !submission.created && batch.state.isFinished {
                    session.say(
                        "batch \(batch.id) of this campaign is already \(batch.state.rawValue); --new starts another "
                            + "(cached generations are reused)")
                } else if !submission.created && session.interactive {
                    session.say("batch \(batch.id) (\(batch.state.rawValue)) is this campaign's; continuing it")
                } else if submission.created && session.interactive {
                    session.say(
                        "batch \(batch.id): \(batch.creatives.total) creatives from \(batch.jobs.total) generations"
                            + (batch.estimatedCostUSD.map { String(format: ", estimated $%.2f", $0) } ?? ""))
                }
                let options = run.options(useCache: !noCache)
                let outcome = try await session.rendering(run.progress) { events in
                    try await session.checked { () async throws(ServiceError) in
                        try await service.run(batch.id, options: options, events: events)
                    }
                }
                try await session.conclude(outcome)
            }
        }
    }

    /// `adgen resume BATCH`
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finish a batch that was interrupted (killed, paused on a full disk): nothing done is redone.")

        @Argument(help: "The batch id.")
        var batch: String

        @OptionGroup var run: RunOptions

        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await BatchSession.with(options: options) { session in
                let service = session.service
                let options = run.options(useCache: true)
                let outcome = try await session.rendering(run.progress) { events in
                    try await session.checked { () async throws(ServiceError) in
                        try await service.resume(batch, options: options, events: events)
                    }
                }
                try await session.conclude(outcome)
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

        @OptionGroup var remote: RemoteOptions

        func run() async throws {
            if let server = remote.server {
                try await RemoteSession.with(server: server) { session in
                    var output = StreamWriter.standardOutput()
                    let batches =
                        if let batch { [try await session.client.batch(batch).batch] } else {
                            try await session.client.batches().map(\.batch)
                        }
                    if options.json {
                        output.writeLine(try batch == nil ? BatchSession.json(batches) : BatchSession.json(batches[0]))
                    } else if batch != nil {
                        for line in BatchSession.describe(batches[0]) { output.writeLine(line) }
                    } else {
                        for record in batches { output.writeLine(BatchSession.oneLine(record)) }
                    }
                    output.flush()
                }
                return
            }
            try await BatchSession.with(options: options) { session in
                let service = session.service
                var output = StreamWriter.standardOutput()
                if let batch {
                    let record = try await session.checked { () async throws(ServiceError) in
                        try await service.batch(batch)
                    }
                    if options.json {
                        output.writeLine(try BatchSession.json(session.resolved(record)))
                    } else {
                        for line in BatchSession.describe(session.resolved(record)) { output.writeLine(line) }
                        for failure in try await session.checked({ () async throws(ServiceError) in
                            try await service.failureReasons(batch)
                        }) {
                            output.writeLine("  \(failure.count) × \(failure.reason)")
                        }
                    }
                } else {
                    let batches = try await session.checked { () async throws(ServiceError) in
                        try await service.batches(limit: 10)
                    }.map(session.resolved)
                    if options.json {
                        output.writeLine(try BatchSession.json(batches))
                    } else if batches.isEmpty {
                        output.writeLine("no batches in \(session.path)")
                    } else {
                        for record in batches { output.writeLine(BatchSession.oneLine(record)) }
                    }
                }
                output.flush()
            }
        }
    }

    /// `adgen cancel BATCH`
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a batch: nothing new starts, and a running `adgen run` stops what is in flight.")

        @Argument(help: "The batch id.")
        var batch: String

        @OptionGroup var options: StoreOptions

        @OptionGroup var remote: RemoteOptions

        func run() async throws {
            if let server = remote.server {
                try await RemoteSession.with(server: server) { session in
                    let after = try await session.client.cancel(batch).batch
                    var output = StreamWriter.standardOutput()
                    output.writeLine(options.json ? try BatchSession.json(after) : BatchSession.oneLine(after))
                    output.flush()
                }
                return
            }
            try await BatchSession.with(options: options) { session in
                let service = session.service
                let (before, after) = try await session.checked { () async throws(ServiceError) in
                    try await service.cancel(batch, now: Date())
                }
                var output = StreamWriter.standardOutput()
                if options.json {
                    output.writeLine(try BatchSession.json(session.resolved(after)))
                } else {
                    output.writeLine(
                        before.state.isFinished
                            ? "batch \(batch) is already \(before.state.rawValue)" : BatchSession.oneLine(after))
                }
                output.flush()
            }
        }
    }
}
