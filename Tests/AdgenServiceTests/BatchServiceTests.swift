import AdgenCore
import AdgenSQLite
import AdgenService
import AdgenTesting
import Foundation
import Logging
import Testing

/// The service layer on a real SQLite file and the local renderer: what any front end gets.
@Suite("The batch service")
struct BatchServiceTests {
    static let campaign = """
        campaign: snapshot-demo
        brand: { name: Kettle & Crema, colors: ["#3B2417", "#E8DCC8", "#C8553D"], logo: art/logo.svg }
        wildcards: words
        axes:
          headline: ["Fresh roast.", "Your best cup."]
        prompt: "__roast__ beans on a walnut table, {{headline}}"
        sizes: [iab-mrec, meta-feed]
        pipeline:
          - layout: ../shared/layouts/plain.yaml
          - encode: { format: jpeg, quality: 80 }
        """

    static let logo = """
        <svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#C8553D"/></svg>
        """

    /// A campaign folder with a logo, a wildcard folder and a layout outside the campaign's own folder.
    static func writeCampaign(in folder: TemporaryDirectory) throws -> CampaignSource {
        let file = try folder.write("brief/c.yaml", campaign)
        try folder.write("brief/art/logo.svg", logo)
        try folder.write("brief/words/roast.txt", "dark roast\nlight roast\n")
        let standard = try String(contentsOfFile: Repository.path("templates/layouts/standard.yaml"), encoding: .utf8)
        try folder.write("shared/layouts/plain.yaml", standard)
        return CampaignSource(
            bytes: Array(campaign.utf8), file: "c.yaml", directory: (file as NSString).deletingLastPathComponent)
    }

    static var quiet: Logger {
        var logger = Logger(label: "service-test")
        logger.logLevel = .error
        return logger
    }

    static func configuration(data: String) -> BatchService.Configuration {
        BatchService.Configuration(settings: .init(), dataRoot: DataRoot(data), environment: [:])
    }

    @Test("A submitted batch runs in another process on another data root after its campaign folder is gone")
    func storeTravels() async throws {
        let folder = try TemporaryDirectory(prefix: "adgen-service")
        defer { folder.remove() }
        let source = try Self.writeCampaign(in: folder)
        let store = try SQLiteJobStore(path: "\(folder.path)/store/adgen.sqlite")
        let submitted = try await BatchService.with(
            configuration: Self.configuration(data: "\(folder.path)/first"), store: store, logger: Self.quiet
        ) { service in
            try await service.submit(try service.load(source), idempotencyKey: nil, now: Date())
        }
        #expect(submitted.created && submitted.batch.creatives.total == 8)
        // What the store keeps names no local path: the snapshot's paths are relative to the files' common folder.
        let stored = try await store.campaignSource(batch: submitted.batch.id)
        #expect(stored.directory == "brief" && stored.file == "brief/c.yaml")
        #expect(
            stored.files.map(\.path).sorted() == [
                "brief/art/logo.svg", "brief/words/", "brief/words/roast.txt", "shared/layouts/plain.yaml",
            ])
        #expect(!submitted.batch.outputDirectory.hasPrefix("/"))

        try FileManager.default.removeItem(atPath: "\(folder.path)/brief")
        try FileManager.default.removeItem(atPath: "\(folder.path)/shared")
        let second = "\(folder.path)/elsewhere"
        let outcome = try await BatchService.with(
            configuration: Self.configuration(data: second),
            store: try SQLiteJobStore(path: "\(folder.path)/store/adgen.sqlite"),
            logger: Self.quiet
        ) { service in
            try await service.run(submitted.batch.id)
        }
        #expect(outcome.batch.state == .completed, "\(outcome.batch.reason ?? "")")
        #expect(outcome.batch.creatives.completed == 8)
        let made = try await store.creatives(batch: submitted.batch.id)
        for creative in made {
            let path = "\(second)/\(outcome.batch.outputDirectory)/\(creative.file ?? "?")"
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }
        for job in try await store.jobs(batch: submitted.batch.id) {
            let generation = try #require(try await store.cachedGeneration(key: job.key))
            #expect(
                !generation.file.hasPrefix("/")
                    && FileManager.default.fileExists(atPath: "\(second)/\(generation.file)"))
        }
        // Both wildcard values made it into prompts: the wildcard file came from the snapshot.
        #expect(Set(made.map { $0.variant.prompt.hasPrefix("dark") }) == [true, false])
    }

    @Test("Progress arrives as typed events: started first, counts that only grow, the export, finished last")
    func progressEvents() async throws {
        let folder = try TemporaryDirectory(prefix: "adgen-service")
        defer { folder.remove() }
        let source = try Self.writeCampaign(in: folder)
        let store = try SQLiteJobStore(path: "\(folder.path)/adgen.sqlite")
        var configuration = Self.configuration(data: folder.path)
        configuration.progressInterval = .milliseconds(20)
        let (events, outcome) = try await BatchService.with(
            configuration: configuration, store: store, logger: Self.quiet
        ) { service in
            let submitted = try await service.submit(try service.load(source), idempotencyKey: "k", now: Date())
            var options = BatchService.RunOptions()
            options.exportFolders = ["\(folder.path)/out"]
            let (stream, continuation) = AsyncStream.makeStream(of: BatchEvent.self)
            async let outcome = service.run(submitted.batch.id, options: options, events: continuation)
            var seen = [BatchEvent]()
            for await event in stream { seen.append(event) }
            return (seen, try await outcome)
        }
        guard case .started(let first) = events.first, case .finished(let last) = events.last else {
            Issue.record("events: \(events.map(\.type))")
            return
        }
        #expect(first.done == 0 && first.creatives.total == 8)
        #expect(last.creatives.completed == 8 && last.state == .completed)
        let counts = events.compactMap { event -> Int? in
            if case .progress(let progress) = event { return progress.done }
            return nil
        }
        #expect(counts == counts.sorted(), "progress never goes back")
        let exported = events.compactMap { event -> String? in
            if case .exported(let directory, _, _) = event { return directory }
            return nil
        }
        #expect(exported == outcome.exports.map(\.directory) && exported.count == 1)
        #expect(FileManager.default.fileExists(atPath: "\(exported[0])/manifest.json"))
    }

    @Test("A campaign with errors is refused with every diagnostic; a missing provider key before anything is stored")
    func refusals() async throws {
        let folder = try TemporaryDirectory(prefix: "adgen-service")
        defer { folder.remove() }
        let bad = CampaignSource(
            bytes: Array("campaign: x\nprompt: a\nsizes: [nope-size]\ngeneration: { concurrency: 0 }\n".utf8),
            file: "bad.yaml", directory: folder.path)
        let error = try #require(throws: ServiceError.self) { try BatchService.load(bad, settings: .init()) }
        #expect(error.kind == .invalidCampaign && error.diagnostics.count == 2)
        #expect(error.diagnostics.allSatisfy { $0.location.file == "bad.yaml" && $0.location.line > 1 })

        let store = try SQLiteJobStore(path: "\(folder.path)/adgen.sqlite")
        let keyless = CampaignSource(
            bytes: Array("campaign: x\nprompt: a cup\nsizes: [iab-mrec]\ngeneration: { provider: openai }\n".utf8),
            file: "keyless.yaml", directory: folder.path)
        try await BatchService.with(
            configuration: Self.configuration(data: folder.path), store: store, logger: Self.quiet
        ) {
            service in
            let refused = await #expect(throws: ServiceError.self) {
                try await service.submit(try service.load(keyless), idempotencyKey: nil, now: Date())
            }
            #expect(refused?.kind == .notConfigured && refused?.message.contains("OPENAI_API_KEY") == true)
            let batches = try await service.batches(limit: 10)
            #expect(batches.isEmpty)
            let missing = await #expect(throws: ServiceError.self) { try await service.batch("b_0000000000000001") }
            #expect(missing?.kind == .noSuchBatch)
        }
    }
}
