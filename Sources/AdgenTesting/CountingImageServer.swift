import AdgenCore
import Foundation
import Synchronization

/// A generic JSON image endpoint for the `http` provider that counts what it is asked: requests per
/// (prompt, seed), so a test can check that nothing done is requested again (a kill -9 and resume, the cache).
///
/// `POST` any path with a JSON body holding `prompt`, `seed`, `width`, `height` (the `http` provider's default
/// template) answers `{id, image}` with a base64 PNG of that size, after `latency`; every `failEvery`-th request
/// answers 500 instead. `GET /counts` answers the counts as JSON: `{"total": N, "by_key": {"PROMPT|SEED": n}}`.
/// Serve it with `TestHTTPServer.bind(port:handler:)` + `run()` in a process of its own for crash tests.
public final class CountingImageServer: Sendable {
    /// How long each answer takes.
    public let latency: Duration
    /// Every n-th request fails with 500 (0: none).
    public let failEvery: Int
    /// A bearer token it requires, if any.
    public let token: String?

    struct Counts {
        var total = 0
        var byKey: [String: Int] = [:]
        var failures = 0
    }

    let counts = Mutex(Counts())

    /// Creates the server's handler state.
    public init(latency: Duration = .zero, failEvery: Int = 0, token: String? = nil) {
        self.latency = latency
        self.failEvery = failEvery
        self.token = token
    }

    /// The handler to serve.
    public var handler: TestHTTPServer.Handler { { [self] request in await handle(request) } }

    /// Serves on 127.0.0.1:`port` (0: a free one) until the calling task is cancelled; `ready` gets the port once
    /// it listens (a wrapper process prints it for the test that started it).
    public func serve(port: Int = 0, ready: @Sendable (Int) -> Void = { _ in }) async throws {
        let server = try await TestHTTPServer.bind(port: port, handler: handler)
        ready(server.port)
        try await server.run()
    }

    /// Generation requests answered with an image, per `prompt|seed`.
    public var countsByKey: [String: Int] { counts.withLock { $0.byKey } }
    /// All generation requests received, failed ones included.
    public var total: Int { counts.withLock { $0.total } }
    /// Requests answered 500 on purpose.
    public var failures: Int { counts.withLock { $0.failures } }

    /// The key counted for a prompt and seed.
    public static func key(prompt: String, seed: UInt64) -> String { "\(prompt)|\(seed)" }

    func handle(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        if request.method == "GET", request.path == "/counts" {
            let snapshot = counts.withLock { $0 }
            return .json([
                "total": .int(Int64(snapshot.total)), "failures": .int(Int64(snapshot.failures)),
                "by_key": .object(snapshot.byKey.mapValues { .int(Int64($0)) }),
            ])
        }
        guard request.method == "POST", let body = request.json, let prompt = body["prompt"]?.string else {
            return .json(["error": "POST a JSON body with prompt, seed, width, height"], status: 400)
        }
        if let token, request.header("authorization") != "Bearer \(token)" {
            return .json(["error": "unauthorized"], status: 401)
        }
        let seed =
            body["seed"].flatMap { value -> UInt64? in
                if case .uint(let number) = value { return number }
                return value.int.map { UInt64(max(0, $0)) } ?? value.string.flatMap { UInt64($0) }
            } ?? 0
        let width = body["width"]?.int ?? 512
        let height = body["height"]?.int ?? 512
        let key = Self.key(prompt: prompt, seed: seed)
        let fail = counts.withLock { counts -> Bool in
            counts.total += 1
            if failEvery > 0, counts.total % failEvery == 0 {
                counts.failures += 1
                return true
            }
            counts.byKey[key, default: 0] += 1
            return false
        }
        if latency > .zero { try? await Task.sleep(for: latency) }
        if fail { return .json(["error": "injected failure"], status: 500) }
        let id = counts.withLock { "gen-\($0.total)" }
        let image = TestImages.png(width: width, height: height, seed: seed)
        return .json(["id": .string(id), "image": .string(Data(image).base64EncodedString())])
    }
}
