import AdgenCore
import AdgenImaging
import AdgenSQLite
import AdgenTesting
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The built `adgen serve` binary as an operator runs it: real HTTP on 127.0.0.1, an SQLite file, the workers, the
/// CLI as its client, SIGTERM and kill -9.
@Suite(.serialized) struct ServeCommandTests {
    static let keys = ["ADGEN_API_KEYS": "key-alice-1,key-bob-2"]
    static let alice = "key-alice-1"
    static let bob = "key-bob-2"

    /// 2 audiences × 2 headlines = 4 variants at 2 sizes: 8 creatives.
    static let campaign = """
        campaign: served
        brand: { name: Acme, colors: ["#FF5A1F", "#1F2937"] }
        axes:
          audience: [trail runners, hikers]
          headline: ["Run further.", "Own the trail."]
        prompt: "photo of a trail shoe for {{audience}}, {{headline}}"
        sizes: [iab-mrec, meta-feed]
        """

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func http(
        _ method: HTTPMethod, _ url: String, key: String? = nil, headers: [(String, String)] = [],
        body: [UInt8]? = nil, timeout: TimeAmount = .seconds(120)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
    }

    static func submit(_ server: ServeProcess, _ campaign: String = campaign, key: String = alice) async throws
        -> String
    {
        let created = try await http(
            .POST, "\(server.baseURL)/v1/batches", key: key, headers: [("Content-Type", "application/yaml")],
            body: Array(campaign.utf8))
        try #require(created.status == 201, "\(created.status) \(created.text)")
        return try #require(created.json["id"] as? String)
    }

    static func waitFinished(_ server: ServeProcess, _ id: String, timeout: Duration = .seconds(120)) async throws
        -> [String: Any]
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let batch = try await http(.GET, "\(server.baseURL)/v1/batches/\(id)", key: alice).json
            if ["completed", "failed", "cancelled"].contains(batch["status"] as? String ?? "") { return batch }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("batch \(id) did not finish within \(timeout): \(server.standardError)")
        throw CancellationError()
    }

    @Test("serve, submit, stream SSE to the end, list creatives, fetch an image and a pack; another key sees 404")
    func endToEnd() async throws {
        let folder = try TemporaryDirectory(prefix: "adgen-serve-e2e")
        defer { folder.remove() }
        let server = try await ServeProcess(
            ["--store", "s/adgen.sqlite", "--data", "d", "--workers", "2"], in: folder.path, environment: Self.keys)
        defer { Task { await server.stop() } }
        let id = try await Self.submit(server)
        let events = try await Self.http(.GET, "\(server.baseURL)/v1/batches/\(id)/events", key: Self.alice)
        #expect(events.status == 200)
        let types = events.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { $0.dropFirst(7) }
        #expect(types.filter { $0 == "creative.completed" }.count == 8)
        #expect(types.last == "batch.completed")

        let creatives = try await Self.http(.GET, "\(server.baseURL)/v1/batches/\(id)/creatives", key: Self.alice)
        let data = try #require(creatives.json["data"] as? [[String: Any]])
        #expect(data.count == 8)
        let imageURL = try #require(data.first?["image_url"] as? String)
        let image = try await Self.http(.GET, server.baseURL + imageURL, key: Self.alice)
        #expect(image.status == 200 && image.body.count > 1000)
        #expect(try Image.decode(image.body).width > 0)
        let pack = try await Self.http(
            .GET, "\(server.baseURL)/v1/batches/\(id)/packs/size-iab-mrec.zip", key: Self.alice)
        #expect(pack.status == 200 && pack.body.prefix(2) == [0x50, 0x4B])

        for path in [
            "/v1/batches/\(id)", "/v1/batches/\(id)/creatives", "/v1/batches/\(id)/events", imageURL,
            "/v1/batches/\(id)/packs/size-iab-mrec.zip", "/batches/\(id)",
        ] {
            let other = try await Self.http(.GET, server.baseURL + path, key: Self.bob)
            #expect(other.status == 404, "\(path) as bob: \(other.status)")
        }
        let none = try await Self.http(.GET, "\(server.baseURL)/v1/batches/\(id)")
        #expect(none.status == 401)
        // What the engine recorded of the run, through swift-metrics, in Prometheus's text format.
        let generations = try #require(
            (try await Self.http(.GET, "\(server.baseURL)/v1/batches/\(id)", key: Self.alice).json["generation_counts"]
                as? [String: Any])?["total"] as? Int)
        let metrics = try await Self.http(.GET, "\(server.baseURL)/metrics").text
        let lines = Set(metrics.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"adgen_provider_request_duration_seconds_count{provider="local"} \#(generations)"#))
        #expect(lines.contains(#"adgen_generations_total{provider="local",outcome="generated"} \#(generations)"#))
        #expect(metrics.contains(#"adgen_batches{state="completed"} 1"#))
    }

    @Test("adgen run --server: the campaign and its files go up, progress comes back, exit 0; status and cancel too")
    func cliAsClient() async throws {
        let folder = try TemporaryDirectory(prefix: "adgen-serve-client")
        defer { folder.remove() }
        let server = try await ServeProcess(
            ["--store", "s/adgen.sqlite", "--data", "d"], in: folder.path, environment: Self.keys)
        defer { Task { await server.stop() } }
        try folder.write(
            "brief/c.yaml",
            Self.campaign.replacingOccurrences(
                of: ##"brand: { name: Acme, colors: ["#FF5A1F", "#1F2937"] }"##,
                with: ##"brand: { name: Acme, colors: ["#FF5A1F", "#1F2937"], logo: art/logo.svg }"##))
        try folder.write(
            "brief/art/logo.svg",
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30"><rect width="90" height="30" fill="#FF5A1F"/></svg>"##
        )
        let environment = ["ADGEN_API_KEY": Self.alice]
        let run = try await AdgenProcess.run(
            ["run", "brief/c.yaml", "--server", server.baseURL, "--progress", "json", "--json"], in: folder.path,
            environment: environment)
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.contains(#""type":"progress""#) || $0.contains(#""type":"started""#) })
        let last = try #require(lines.last)
        let batch = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(batch["state"] as? String == "completed")
        let id = try #require(batch["id"] as? String)

        let status = try await AdgenProcess.run(
            ["status", id, "--server", server.baseURL, "--json"], in: folder.path, environment: environment)
        #expect(status.status == 0 && status.standardOutput.contains(#""state":"completed""#))
        let exported = try await AdgenProcess.run(
            ["export", id, "--server", server.baseURL, "--to", "folder:out"], in: folder.path,
            environment: environment)
        #expect(exported.status == 0, "\(exported.standardError)")
        let packs = try FileManager.default.contentsOfDirectory(atPath: "\(folder.path)/out/served/\(id)/packs")
        #expect(Set(packs) == ["size-iab-mrec.zip", "size-meta-feed.zip", "platform-iab.zip", "platform-meta.zip"])
        #expect(FileManager.default.fileExists(atPath: "\(folder.path)/out/served/\(id)/manifest.json"))
        let unknownKey = try await AdgenProcess.run(
            ["status", id, "--server", server.baseURL], in: folder.path, environment: ["ADGEN_API_KEY": "nope"])
        #expect(unknownKey.status == 78, "\(unknownKey.standardError)")
        let broken = try folder.write("broken.yaml", "campaign: x\nprompt: \"{{nothing}}\"\nsizes: [iab-mrec]\n")
        let refused = try await AdgenProcess.run(
            ["run", broken, "--server", server.baseURL], in: folder.path, environment: environment)
        #expect(refused.status == 65 && refused.standardError.contains("broken.yaml:2"))
    }

    @Test("kill -9 of serve mid-batch, then serve again: the batch completes and nothing made is asked for again")
    func killAndRestart() async throws {
        let counting = CountingImageServer(latency: .milliseconds(60))
        try await withTestHTTPServer(counting.handler) { provider in
            let folder = try TemporaryDirectory(prefix: "adgen-serve-kill")
            defer { folder.remove() }
            // A served campaign does not choose where the server connects: the operator's adgen.yaml does.
            try folder.write(
                "adgen.yaml", "providers:\n  http: { base_url: \"\(provider.baseURL)/generate\", concurrency: 3 }\n")
            let arguments = ["--store", "s/adgen.sqlite", "--data", "d", "--config", "adgen.yaml", "--workers", "1"]
            let campaign = """
                campaign: crashy
                axes:
                  audience: [a, b, c, d, e, f]
                  headline: ["One.", "Two."]
                prompt: "shoe for {{audience}}, {{headline}}, {warm|cool} light"
                sizes: [iab-mrec, iab-leaderboard]
                generation: { provider: http }
                """
            let first = try await ServeProcess(arguments, in: folder.path, environment: Self.keys)
            let id = try await Self.submit(first, campaign)
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let batch = try await Self.http(.GET, "\(first.baseURL)/v1/batches/\(id)", key: Self.alice).json
                if ((batch["request_counts"] as? [String: Any])?["completed"] as? Int ?? 0) >= 8 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            first.signal(SIGKILL)
            #expect(await first.waitForExit() != nil)
            let store = try SQLiteJobStore(path: "\(folder.path)/s/adgen.sqlite")
            let before = try #require(try await store.batch(id: id))
            #expect(before.creatives.completed >= 8 && before.creatives.completed < 48, "killed mid-way")
            var recorded = 0
            for job in try await store.jobs(batch: id) where try await store.cachedGeneration(key: job.key) != nil {
                recorded += 1
            }
            let requestsBefore = counting.total
            try await store.close()

            let second = try await ServeProcess(
                arguments, in: folder.path, environment: Self.keys.merging(["ADGEN_LOG": "debug"]) { $1 })
            defer { Task { await second.stop() } }
            let finished = try await Self.waitFinished(second, id)
            // Each job asked for once after the restart, but those whose image was recorded before the kill.
            let asked = second.standardError.split(separator: "\n").filter { $0.contains("generation requested") }
            #expect(asked.count == before.jobs.total - recorded, "\(asked.count) asked after the restart")
            #expect(finished["status"] as? String == "completed")
            #expect((finished["request_counts"] as? [String: Any])?["completed"] as? Int == 48)
            #expect(recorded > 0)
            #expect(counting.total - requestsBefore == before.jobs.total - recorded, "asked \(counting.total) in all")
            let creatives =
                try await Self.http(
                    .GET, "\(second.baseURL)/v1/batches/\(id)/creatives?limit=200", key: Self.alice
                ).json["data"] as? [[String: Any]]
            #expect(Set(creatives?.compactMap { $0["id"] as? String } ?? []).count == 48)
        }
    }

    @Test("SIGTERM drains: serve exits 0 within the grace period, and the next serve finishes the batch")
    func gracefulShutdown() async throws {
        let counting = CountingImageServer(latency: .milliseconds(300))
        try await withTestHTTPServer(counting.handler) { provider in
            let folder = try TemporaryDirectory(prefix: "adgen-serve-term")
            defer { folder.remove() }
            try folder.write(
                "adgen.yaml", "providers:\n  http: { base_url: \"\(provider.baseURL)/generate\", concurrency: 2 }\n")
            let arguments = [
                "--store", "s/adgen.sqlite", "--data", "d", "--config", "adgen.yaml", "--workers", "1", "--grace", "5",
            ]
            let campaign = Self.campaign + "\ngeneration: { provider: http }\n"
            let first = try await ServeProcess(arguments, in: folder.path, environment: Self.keys)
            let id = try await Self.submit(first, campaign)
            while counting.total < 2 { try await Task.sleep(for: .milliseconds(20)) }
            let stopped = ContinuousClock.now
            first.signal(SIGTERM)
            let status = await first.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "\(first.standardError)")
            #expect(ContinuousClock.now - stopped < .seconds(10))
            let store = try SQLiteJobStore(path: "\(folder.path)/s/adgen.sqlite")
            let after = try #require(try await store.batch(id: id))
            #expect(!after.state.isFinished, "the batch was left for the next process")
            #expect(try await store.jobs(batch: id).allSatisfy { $0.state != .running }, "nothing left leased")
            try await store.close()
            let second = try await ServeProcess(arguments, in: folder.path, environment: Self.keys)
            defer { Task { await second.stop() } }
            #expect(try await Self.waitFinished(second, id)["status"] as? String == "completed")
        }
    }

    @Test(
        "Hostile clients — trickling requests, SSE clients that hang up, half-sent bodies — leave the server answering")
    func hostileClients() async throws {
        let folder = try TemporaryDirectory(prefix: "adgen-serve-hostile")
        defer { folder.remove() }
        let server = try await ServeProcess(
            ["--store", "s/adgen.sqlite", "--data", "d", "--rate-limit", "0"], in: folder.path, environment: Self.keys)
        defer { Task { await server.stop() } }
        let id = try await Self.submit(server)
        let port = try #require(server.baseURL.split(separator: ":").last)
        let script = Repository.path("scripts/faults/hostile_clients.py")
        let result = try await AdgenProcess.shell("python3 '\(script)' 127.0.0.1 \(port) \(Self.alice) \(id) 2>&1")
        try #require(result.status == 0, "\(result.standardOutput)")
        let line = try #require(result.standardOutput.split(separator: "\n").last)
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(seen["ordinary_ok"] as? Int == 20, "\(seen)")
        #expect((seen["ordinary_slowest_s"] as? Double ?? 99) < 2, "\(seen)")
        #expect(server.isRunning)
        // The streams of the clients that hung up are closed: none is left open.
        var open = -1
        for _ in 0..<100 {
            let metrics = try await Self.http(.GET, "\(server.baseURL)/metrics").text
            open =
                metrics.split(separator: "\n").first { $0.hasPrefix("adgen_event_streams_open ") }
                .flatMap { $0.split(separator: " ").last }.flatMap { Int(Double($0) ?? -1) } ?? -1
            if open == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(open == 0, "event streams still open")
        #expect(try await Self.waitFinished(server, id)["status"] as? String == "completed")
        let memory = try #require(server.memory)
        #expect(memory.peak < 300, "peak RSS \(memory.peak) MB")
        #expect(!server.standardError.contains("Fatal error"), "\(server.standardError.suffix(2000))")
    }
}
