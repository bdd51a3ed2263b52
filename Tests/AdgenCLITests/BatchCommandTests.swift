import AdgenCore
import AdgenSQLite
import AdgenTesting
import Crypto
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `adgen run | status | cancel | resume` as processes, on a real SQLite store, with the local renderer.
@Suite(.serialized) struct BatchCommandTests {
    /// 6 audiences × 2 headlines × {warm|cool}: 24 variants, 12 distinct prompts, 2 sizes of 2 families:
    /// 24 generations and 48 creatives.
    static func campaign(audiences: Int = 6) -> String {
        let names = ["trail runners", "hikers", "commuters", "sprinters", "climbers", "walkers"].prefix(audiences)
        return """
            campaign: batchy
            brand: { name: Acme, colors: ["#FF5A1F", "#1F2937"] }
            brief: { product: Ridge 3 }
            axes:
              audience: [\(names.joined(separator: ", "))]
              headline: ["Run further.", "Own the trail."]
            prompt: "photo of {{brief.product}} for {{audience}}, {warm|cool} light"
            sizes: [iab-mrec, iab-leaderboard]
            generation: { concurrency: 2 }
            """
    }

    /// Keys of the generations this run asked the provider for (from its debug log).
    static func requestedKeys(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("generation requested") }.compactMap { line in
            guard let range = line.range(of: "adgen.key=") else { return nil }
            return String(line[range.upperBound...].prefix(64))
        }
    }

    static func batchJSON(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    @Test(
        "run makes every creative and prints the batch; the same file again is the same batch; --new asks the provider for nothing"
    )
    func runStatusAndCache() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign(audiences: 2))
        let environment = ["ADGEN_LOG": "debug"]
        let first = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path, environment: environment)
        #expect(first.status == 0, "\(first.standardError)")
        let batch = try Self.batchJSON(first.standardOutput)
        #expect(batch["state"] as? String == "completed")
        let creatives = try #require(batch["creatives"] as? [String: Any])
        #expect(creatives["total"] as? Int == 16 && creatives["completed"] as? Int == 16)
        #expect(Self.requestedKeys(first.standardError).count == 8)
        let id = try #require(batch["id"] as? String)
        let files = try FileManager.default.subpathsOfDirectory(atPath: "\(folder.path)/s/batches/\(id)")
            .filter { $0.hasSuffix(".jpg") }
        #expect(files.count == 16)

        let again = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path, environment: environment)
        #expect(again.status == 0)
        #expect(try Self.batchJSON(again.standardOutput)["id"] as? String == id)
        #expect(Self.requestedKeys(again.standardError).isEmpty)

        let fresh = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json", "--new", "--out", "delivery"], in: folder.path,
            environment: environment)
        #expect(fresh.status == 0, "\(fresh.standardError)")
        let freshID = try #require(try Self.batchJSON(fresh.standardOutput)["id"] as? String)
        #expect(freshID != id)
        #expect(Self.requestedKeys(fresh.standardError).isEmpty, "every generation comes from the cache")
        let delivered = try FileManager.default.subpathsOfDirectory(atPath: "\(folder.path)/delivery/batchy/\(freshID)")
        #expect(delivered.filter { $0.hasSuffix(".jpg") && $0.contains("/") }.count == 16, "the creatives by size")
        #expect(delivered.contains("manifest.json"))

        let status = try await AdgenProcess.run(["status", "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(status.status == 0)
        #expect(status.standardOutput.contains(id) && status.standardOutput.contains(freshID))
        let one = try await AdgenProcess.run(["status", freshID, "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(one.standardOutput.contains("creatives: 16 made, 0 failed"))
        #expect(one.standardOutput.contains("generations: 8 made"))
        let missing = try await AdgenProcess.run(["status", "b_nope", "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(missing.status == 65 && missing.standardError.contains("no batch b_nope"))
    }

    @Test(
        "kill -9 in the middle, then run again: the batch finishes, nothing made is asked for again, nothing lost or doubled"
    )
    func crashAndResume() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign())
        let log = "\(folder.path)/first.log"
        let process = Process()
        process.executableURL = AdgenProcess.executable
        process.arguments = ["run", "c.yaml", "--store", "s/adgen.sqlite"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.environment = ProcessInfo.processInfo.environment.merging(["ADGEN_LOG": "debug"]) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        // Wait until some creatives are made, then kill -9.
        let storePath = "\(folder.path)/s/adgen.sqlite"
        var batchID: String?
        let deadline = ContinuousClock().now + .seconds(120)
        while ContinuousClock().now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            guard FileManager.default.fileExists(atPath: storePath), let store = try? SQLiteJobStore(path: storePath),
                let batch = try? await store.batches(limit: 1).first
            else { continue }
            batchID = batch.id
            if batch.creatives.completed >= 10 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let id = try #require(batchID)
        let store = try SQLiteJobStore(path: storePath)
        let before = try #require(try await store.batch(id: id))
        #expect(before.creatives.completed >= 10 && before.creatives.completed < 48, "killed mid-way")
        var madeBefore = Set<String>()
        for job in try await store.jobs(batch: id) where try await store.cachedGeneration(key: job.key) != nil {
            madeBefore.insert(job.key)
        }

        let second = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path,
            environment: ["ADGEN_LOG": "debug"])
        #expect(second.status == 0, "\(second.standardError)")
        let after = try #require(try await store.batch(id: id))
        #expect(after.state == .completed)
        #expect(after.creatives.completed == 48 && after.jobs.completed == 24)
        let askedAgain = Set(Self.requestedKeys(second.standardError)).intersection(madeBefore)
        #expect(askedAgain.isEmpty, "generations made before the kill were requested again: \(askedAgain)")
        let firstKeys = Self.requestedKeys(try String(contentsOfFile: log, encoding: .utf8))
        #expect(Set(firstKeys).count == firstKeys.count, "no key asked twice within a run")

        // Every creative is on disk exactly once, with the recorded checksum; no temporary file is left.
        // Rows name files relative to the data root (the store's folder by default).
        let outputs = DataRoot("\(folder.path)/s").resolve(after.outputDirectory)
        #expect(!after.outputDirectory.hasPrefix("/"), "no absolute path in the store")
        let files = try FileManager.default.subpathsOfDirectory(atPath: outputs)
        #expect(files.filter { $0.hasSuffix(".tmp") }.isEmpty)
        #expect(files.filter { $0.hasSuffix(".jpg") }.count == 48)
        for creative in try await store.creatives(batch: id) {
            let file = try #require(creative.file)
            let bytes = try #require(FileManager.default.contents(atPath: "\(outputs)/\(file)"))
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            #expect(digest == creative.sha256)
        }
    }

    @Test(
        "kill -9 against a counting provider server: after the rerun, no generation recorded before the kill was requested twice"
    )
    func crashAgainstACountingServer() async throws {
        let counting = CountingImageServer(latency: .milliseconds(40))
        try await withTestHTTPServer(counting.handler) { server in
            let folder = try TemporaryDirectory()
            defer { folder.remove() }
            try folder.write(
                "c.yaml",
                Self.campaign().replacingOccurrences(
                    of: "generation: { concurrency: 2 }",
                    with: "generation: { provider: http, base_url: \"\(server.baseURL)/generate\", concurrency: 4 }"))
            let process = Process()
            process.executableURL = AdgenProcess.executable
            process.arguments = ["run", "c.yaml", "--store", "s/adgen.sqlite"]
            process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let storePath = "\(folder.path)/s/adgen.sqlite"
            var batchID: String?
            let deadline = ContinuousClock().now + .seconds(120)
            while ContinuousClock().now < deadline && process.isRunning {
                try await Task.sleep(for: .milliseconds(20))
                guard FileManager.default.fileExists(atPath: storePath),
                    let store = try? SQLiteJobStore(path: storePath),
                    let batch = try? await store.batches(limit: 1).first
                else { continue }
                batchID = batch.id
                if batch.creatives.completed >= 10 { break }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let id = try #require(batchID)
            let store = try SQLiteJobStore(path: storePath)
            let before = try #require(try await store.batch(id: id))
            #expect(before.creatives.completed < 48, "killed mid-way")
            // The server counts per (prompt, seed); each has a job per aspect family.
            var jobsPerKey = [String: Int]()
            var recordedPerKey = [String: Int]()
            for job in try await store.jobs(batch: id) {
                let key = CountingImageServer.key(prompt: job.request.prompt, seed: job.request.seed)
                jobsPerKey[key, default: 0] += 1
                if try await store.cachedGeneration(key: job.key) != nil { recordedPerKey[key, default: 0] += 1 }
            }
            let requestsBefore = counting.total

            let second = try await AdgenProcess.run(["run", "c.yaml", "--store", "s/adgen.sqlite"], in: folder.path)
            #expect(second.status == 0, "\(second.standardError)")
            let after = try #require(try await store.batch(id: id))
            #expect(after.state == .completed && after.creatives.completed == 48)
            let counts = counting.countsByKey
            #expect(counts.count == jobsPerKey.count && after.jobs.completed == 24)
            for (key, jobs) in jobsPerKey {
                // Asked once per job; a second time only for a job whose image was not recorded at the kill.
                let count = counts[key] ?? 0
                #expect(count >= jobs && count - jobs <= jobs - recordedPerKey[key, default: 0], "\(key): \(count)")
            }
            let recorded = recordedPerKey.values.reduce(0, +)
            #expect(recorded > 0 && counting.total - 24 <= requestsBefore - recorded)
        }
    }

    @Test("A remote provider without its API key stops before anything is submitted, naming the variable (exit 78)")
    func missingKey() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write(
            "c.yaml",
            Self.campaign().replacingOccurrences(
                of: "generation: { concurrency: 2 }", with: "generation: { provider: openai, model: gpt-image-1 }"))
        let result = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite"], in: folder.path, environment: ["OPENAI_API_KEY": ""])
        #expect(result.status == 78, "\(result.standardError)")
        #expect(result.standardError.contains("OPENAI_API_KEY"))
        let status = try await AdgenProcess.run(["status", "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(status.standardOutput.contains("no batches"))
    }

    @Test("adgen cancel from another process stops a running batch: exit 4, the rest cancelled")
    func cancelFromAnotherProcess() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign())
        let process = Process()
        process.executableURL = AdgenProcess.executable
        process.arguments = ["run", "c.yaml", "--store", "s/adgen.sqlite"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        let log = try folder.write("run.log", "")
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let storePath = "\(folder.path)/s/adgen.sqlite"
        var batchID: String?
        while batchID == nil && process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
            if FileManager.default.fileExists(atPath: storePath) {
                batchID = try? await SQLiteJobStore(path: storePath).batches(limit: 1).first?.id
            }
        }
        let id = try #require(
            batchID, "adgen run ended early: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let cancel = try await AdgenProcess.run(["cancel", id, "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(cancel.status == 0)
        process.waitUntilExit()
        #expect(process.terminationStatus == 4)
        let batch = try #require(try await SQLiteJobStore(path: storePath).batch(id: id))
        #expect(batch.state == .cancelled && batch.reason == "cancelled by the user")
        #expect(batch.creatives.cancelled > 0 && batch.creatives.remaining == 0)
    }

    @Test(
        "A full disk pauses the batch with exit 75 and a clear error; after freeing space, resume finishes it",
        .enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func diskFullThenResume() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign(audiences: 3))
        let outputs = "\(folder.path)/s/batches"
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        // 64 KB holds a few creatives, not 24.
        let mount = try await AdgenProcess.shell("mount -t tmpfs -o size=64k tmpfs '\(outputs)'")
        try #require(mount.status == 0, "mount failed: \(mount.standardError)")
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
            unmount.arguments = ["-l", outputs]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let paused = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path)
        #expect(paused.status == 75, "\(paused.standardError)")
        #expect(paused.standardError.contains("No space left on device"))
        #expect(paused.standardError.contains("adgen resume"))
        let store = try SQLiteJobStore(path: "\(folder.path)/s/adgen.sqlite")
        let id = try #require(try await store.batches(limit: 1).first?.id)
        let batch = try #require(try await store.batch(id: id))
        #expect(batch.creatives.completed < 24)
        // Whatever is marked made is on disk.
        for creative in try await store.creatives(batch: id) where creative.state == .succeeded {
            let made = DataRoot("\(folder.path)/s").resolve(batch.outputDirectory)
            #expect(FileManager.default.fileExists(atPath: "\(made)/\(creative.file ?? "")"))
        }
        _ = try await AdgenProcess.shell("mount -o remount,size=64m '\(outputs)'")
        let resumed = try await AdgenProcess.run(["resume", id, "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(try await store.batch(id: id)?.creatives.completed == 24)
    }
}
