import AdgenCore
import AdgenSQLite
import AdgenTesting
import Foundation
import Testing

/// `adgen run` with exports, `adgen export` and `adgen deliveries` as processes, against a real receiver that
/// verifies signatures with the Python `standardwebhooks` package.
@Suite(.serialized) struct DeliveryCommandTests {
    /// Two secrets for a rotation: adgen signs with both, the receiver knows only the new one.
    static let oldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let newSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"

    /// 2 audiences × 2 headlines × {warm|cool} at 2 sizes: 16 creatives.
    static func campaign(webhook: String?, secretEnv: String = "HOOK_SECRET", folder: String? = "delivered") -> String {
        var text = """
            campaign: hooky
            brand: { name: Acme, colors: ["#FF5A1F", "#1F2937"] }
            brief: { product: Ridge 3 }
            axes:
              audience: [trail runners, hikers]
              headline: ["Run further.", "Own the trail."]
            prompt: "photo of {{brief.product}} for {{audience}}, {warm|cool} light"
            sizes: [iab-mrec, iab-leaderboard]
            generation: { concurrency: 2 }
            export:

            """
        if let folder { text += "  - folder: \(folder)\n" }
        if let webhook { text += "  - webhook: { url: \"\(webhook)\", secret_env: \(secretEnv) }\n" }
        return text
    }

    /// Fast retries for tests: the schedule is the operator's (adgen.yaml).
    static let configuration = """
        webhooks: { retry_schedule_s: [0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1], max_age_s: 300, wait_s: 60 }
        """

    static let allowLocal = ["ADGEN_ALLOW_INSECURE_WEBHOOKS": "1", "ADGEN_ALLOW_PRIVATE_WEBHOOKS": "1"]

    static func deliveries(_ batch: String, in folder: String) async throws -> [[String: Any]] {
        let log = try await AdgenProcess.run(
            ["deliveries", batch, "--store", "s/adgen.sqlite", "--json"], in: folder)
        #expect(log.status == 0, "\(log.standardError)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(log.standardOutput.utf8)) as? [String: Any])
        return try #require(object["messages"] as? [[String: Any]])
    }

    @Test(
        "A receiver failing with 500s and 429s for a while still gets every event, verified by standardwebhooks, each id the same across retries"
    )
    func everyEventArrives() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await StandardWebhooksReceiver.with(["--secret", Self.newSecret, "--fail-first", "12"], in: folder.path) {
            receiver in
            try folder.write("c.yaml", Self.campaign(webhook: receiver.url))
            try folder.write("adgen.yaml", Self.configuration)
            let run = try await AdgenProcess.run(
                ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path,
                environment: Self.allowLocal.merging(["HOOK_SECRET": "\(Self.oldSecret) \(Self.newSecret)"]) { $1 })
            #expect(run.status == 0, "\(run.standardError)")
            let batch = try #require(
                (try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])?["id"]
                    as? String)

            let requests = try receiver.requests()
            #expect(requests.filter { !$0.verified }.isEmpty, "every request verifies with the new secret alone")
            let failures = requests.filter { $0.status >= 300 }
            #expect(failures.count == 12, "the receiver failed the first 12")
            #expect(Set(failures.map(\.status)) == [500, 429])
            let delivered = requests.filter { (200..<300).contains($0.status) }
            let types = Dictionary(
                grouping: Set(delivered.compactMap(\.id)).sorted(),
                by: { id in
                    delivered.first { $0.id == id }?.type ?? ""
                }
            ).mapValues(\.count)
            #expect(types["creative.completed"] == 16)
            #expect(types["batch.completed"] == 1)
            #expect(types["export.ready"] == 1)
            #expect(
                Set(failures.compactMap(\.id)).isSubset(of: Set(delivered.compactMap(\.id))),
                "a failed message is delivered later under the same webhook-id")

            let messages = try await Self.deliveries(batch, in: folder.path)
            #expect(messages.count == 18)
            #expect(messages.allSatisfy { $0["state"] as? String == "delivered" })
            #expect(Set(messages.compactMap { $0["id"] as? String }) == Set(delivered.compactMap(\.id)))
            let retried = messages.filter { ($0["attempts"] as? [Any])?.count ?? 0 > 1 }
            #expect(!retried.isEmpty, "the delivery log shows the failed attempts")

            // The folder export the campaign asked for, and its manifest.
            let manifest = "\(folder.path)/delivered/hooky/\(batch)/manifest.json"
            #expect(FileManager.default.fileExists(atPath: manifest))
        }
    }

    @Test("A missing or malformed secret, or an http/private URL without the operator's override, stops before the run")
    func badWebhookSettings() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign(webhook: "http://127.0.0.1:9/hook", folder: nil))
        let missing = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite"], in: folder.path, environment: Self.allowLocal)
        #expect(missing.status == 78)
        #expect(missing.standardError.contains("HOOK_SECRET"), "\(missing.standardError)")

        let malformed = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite"], in: folder.path,
            environment: Self.allowLocal.merging(["HOOK_SECRET": "hunter2-not-a-secret"]) { $1 })
        #expect(malformed.status == 78)
        #expect(malformed.standardError.contains("whsec_"), "\(malformed.standardError)")
        #expect(!malformed.standardError.contains("hunter2"), "the secret is never echoed")

        let insecure = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite"], in: folder.path,
            environment: ["HOOK_SECRET": Self.newSecret])
        #expect(insecure.status == 65)
        #expect(insecure.standardError.contains("ADGEN_ALLOW_INSECURE_WEBHOOKS"), "\(insecure.standardError)")

        let status = try await AdgenProcess.run(["status", "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(status.standardOutput.contains("no batches"), "nothing was submitted")
    }

    @Test("An unwritable export folder: exit 73 with the way out; `adgen export` to another folder then delivers it")
    func unwritableFolderThenExport() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("blocker", "a file where the export folder should be")
        try folder.write("c.yaml", Self.campaign(webhook: nil, folder: "blocker/out"))
        let run = try await AdgenProcess.run(["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path)
        #expect(run.status == 73, "\(run.standardError)")
        #expect(run.standardError.contains("adgen export"), "\(run.standardError)")
        let batch = try #require(
            (try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])?["id"] as? String)

        let export = try await AdgenProcess.run(
            ["export", batch, "--to", "folder:elsewhere", "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(export.status == 0, "\(export.standardError)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: "\(folder.path)/elsewhere/hooky/\(batch)")
        #expect(files.filter { $0.hasSuffix(".jpg") && !$0.contains("contact") }.count == 16)
        #expect(files.contains("manifest.json") && files.contains("manifest.csv") && files.contains("index.html"))
    }

    @Test("A receiver answering 410 Gone is disabled: nothing more is sent to it, and the log says why")
    func goneDisablesTheEndpoint() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await StandardWebhooksReceiver.with(
            [
                "--secret", Self.newSecret, "--status-for", "creative.completed=410", "--status-for",
                "batch.completed=410",
            ], in: folder.path
        ) { receiver in
            try folder.write("c.yaml", Self.campaign(webhook: receiver.url, folder: nil))
            try folder.write("adgen.yaml", Self.configuration)
            let run = try await AdgenProcess.run(
                ["run", "c.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path,
                environment: Self.allowLocal.merging(["HOOK_SECRET": Self.newSecret]) { $1 })
            #expect(run.status == 0, "\(run.standardError)")
            let batch = try #require(
                (try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])?["id"]
                    as? String)
            // Up to `concurrency` (8) requests may be in flight when the first 410 comes back; none starts after.
            let requests = try receiver.requests()
            #expect(requests.allSatisfy { $0.status == 410 } && (1...8).contains(requests.count), "\(requests)")
            #expect(!requests.contains { $0.type == "batch.completed" })
            let messages = try await Self.deliveries(batch, in: folder.path)
            #expect(messages.allSatisfy { $0["state"] as? String == "skipped" }, "\(messages)")
            let text = try await AdgenProcess.run(["deliveries", batch, "--store", "s/adgen.sqlite"], in: folder.path)
            #expect(text.standardOutput.contains("disabled"), "\(text.standardOutput)")

            // Sending again to another receiver with `adgen export`: every event, to it alone.
            try await StandardWebhooksReceiver.with(["--secret", Self.newSecret], in: folder.path) { healthy in
                let export = try await AdgenProcess.run(
                    ["export", batch, "--to", "webhook:\(healthy.url)", "--store", "s/adgen.sqlite"],
                    in: folder.path, environment: Self.allowLocal.merging(["HOOK_SECRET": Self.newSecret]) { $1 })
                #expect(export.status == 78, "--secret-env defaults to ADGEN_WEBHOOK_SECRET, which is not set")
                let again = try await AdgenProcess.run(
                    [
                        "export", batch, "--to", "webhook:\(healthy.url)", "--secret-env", "HOOK_SECRET", "--store",
                        "s/adgen.sqlite",
                    ], in: folder.path, environment: Self.allowLocal.merging(["HOOK_SECRET": Self.newSecret]) { $1 })
                #expect(again.status == 0, "\(again.standardError)")
                let received = try healthy.requests()
                #expect(received.filter { !$0.verified }.isEmpty)
                #expect(received.filter { $0.type == "creative.completed" && $0.status == 200 }.count == 16)
                #expect(received.filter { $0.type == "batch.completed" && $0.status == 200 }.count == 1)
            }
            #expect(try receiver.requests().count == requests.count, "the disabled endpoint got nothing more")
        }
    }

    @Test(
        "kill -9 while events are going out, then `adgen deliveries --send`: every event arrives, none under a new id")
    func crashWhileDelivering() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await StandardWebhooksReceiver.with(["--secret", Self.newSecret, "--slow", "1"], in: folder.path) {
            receiver in
            try folder.write("c.yaml", Self.campaign(webhook: receiver.url, folder: nil))
            try folder.write("adgen.yaml", Self.configuration)
            let environment = Self.allowLocal.merging(["HOOK_SECRET": Self.newSecret]) { $1 }
            let process = Process()
            process.executableURL = AdgenProcess.executable
            process.arguments = ["run", "c.yaml", "--store", "s/adgen.sqlite"]
            process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            _ = try await receiver.wait(timeout: .seconds(120)) { $0.filter { $0.status == 200 }.count >= 3 }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let before = Set(try receiver.requests().compactMap(\.id))

            let store = try SQLiteJobStore(path: "\(folder.path)/s/adgen.sqlite")
            let batch = try #require(try await store.batches(limit: 1).first)
            let resume = try await AdgenProcess.run(
                ["resume", batch.id, "--store", "s/adgen.sqlite"], in: folder.path, environment: environment)
            #expect(resume.status == 0, "\(resume.standardError)")
            let send = try await AdgenProcess.run(
                ["deliveries", batch.id, "--send", "--store", "s/adgen.sqlite"], in: folder.path,
                environment: environment)
            #expect(send.status == 0, "\(send.standardError)")

            let requests = try receiver.requests()
            #expect(requests.filter { !$0.verified }.isEmpty)
            let delivered = requests.filter { $0.status == 200 }
            let ids = Set(delivered.compactMap(\.id))
            #expect(delivered.filter { $0.type == "creative.completed" }.map(\.id).uniqued.count == 16)
            #expect(delivered.contains { $0.type == "batch.completed" })
            #expect(before.isSubset(of: ids))
            let messages = try await store.messages(batch: batch.id)
            #expect(messages.count == 17)
            #expect(Set(messages.map(\.id)) == ids, "no event was sent under a second id")
            #expect(messages.allSatisfy { $0.state == .delivered })
        }
    }
}

extension Array where Element == String? {
    fileprivate var uniqued: Set<String> { Set(compactMap { $0 }) }
}
