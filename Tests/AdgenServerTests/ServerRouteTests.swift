import AdgenServer
import AdgenTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import Yams

/// The routes against docs/openapi.yaml: the served document is the committed one, every operation it names is
/// served (generated or by hand) and nothing is served that it does not name; auth is required where it says.
@Suite("Routes and the OpenAPI document")
struct ServerRouteTests {
    /// (method, path, tags) of every operation in the document.
    static func operations() throws -> [(method: String, path: String, tag: String)] {
        let text = try String(contentsOfFile: Repository.path("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var result = [(method: String, path: String, tag: String)]()
        for (path, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any] else { continue }
                let tags = operation["tags"] as? [String] ?? []
                result.append((method.uppercased(), path, tags.first ?? ""))
            }
        }
        return result.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    @Test("The served document is docs/openapi.yaml, byte for byte (regenerate with scripts/generate-openapi.sh)")
    func documentIsCommitted() async throws {
        let committed = try String(contentsOfFile: Repository.path("docs/openapi.yaml"), encoding: .utf8)
        #expect(Server.document + "\n" == committed || Server.document == committed)
        try await ServerHarness.live { client, _ in
            let served = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(served.text == Server.document)
        }
    }

    @Test("The hand-written routes are exactly the document's streams, pages and operations")
    func handWrittenMatchDocument() throws {
        let byHand = try Self.operations().filter { ["streams", "pages", "operations"].contains($0.tag) }
        #expect(
            byHand.map { "\($0.method) \($0.path)" }.sorted()
                == Server.handWrittenRoutes.map { "\($0.method) \($0.path)" }.sorted())
    }

    @Test("Every operation of the document is served: none answers the router's `no such route`")
    func everyOperationRouted() async throws {
        let operations = try Self.operations()
        #expect(operations.count >= 20)
        try await ServerHarness.live { client, _ in
            for operation in operations {
                let path = operation.path.replacingOccurrences(of: "{batch_id}", with: "b_0123456789abcdef")
                    .replacingOccurrences(of: "{creative_id}", with: "cr_0123456789abcdef_abc")
                    .replacingOccurrences(of: "{pack}", with: "all")
                let response = try await client.execute(
                    uri: path, method: HTTPRequest.Method(operation.method)!,
                    headers: ServerHarness.yaml(ServerHarness.alice))
                let message = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(
                    !message.hasPrefix("no such route"), "\(operation.method) \(operation.path): \(response.status)")
                #expect(response.status.code < 500, "\(operation.method) \(operation.path): \(response.status)")
            }
            // And a path it does not name is the router's 404, in the API's error shape.
            let unknown = try await client.execute(
                uri: "/v1/nothing", method: .get, headers: ServerHarness.auth(ServerHarness.alice))
            #expect(unknown.status == .notFound)
            #expect((unknown.json["error"] as? [String: Any])?["code"] as? String == "not_found")
        }
    }

    @Test("No key is 401 with WWW-Authenticate; a wrong key is 401; health, readiness and metrics need none")
    func authentication() async throws {
        try await ServerHarness.live { client, _ in
            let none = try await client.execute(uri: "/v1/batches", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect((none.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            let wrong = try await client.execute(
                uri: "/v1/batches", method: .get, headers: ServerHarness.auth("key-mallory"))
            #expect(wrong.status == .unauthorized)
            let good = try await client.execute(
                uri: "/v1/batches", method: .get, headers: ServerHarness.auth(ServerHarness.alice))
            #expect(good.status == .ok)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok && ready.json["status"] as? String == "ready")
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("adgen_http_requests_total"))
            #expect(metrics.text.contains("adgen_batches"))
        }
    }

    @Test("A key over its requests per second gets 429 with Retry-After")
    func rateLimited() async throws {
        // One request every 10 s, a bucket of one: the second request within 10 s is refused however slow the machine.
        try await ServerHarness.live(configure: { $0.limits.requestsPerSecond = 0.1 }) { client, _ in
            let first = try await client.execute(
                uri: "/v1/sizes", method: .get, headers: ServerHarness.auth(ServerHarness.alice))
            #expect(first.status == .ok)
            let second = try await client.execute(
                uri: "/v1/sizes", method: .get, headers: ServerHarness.auth(ServerHarness.alice))
            #expect(second.status == .tooManyRequests)
            #expect((second.json["error"] as? [String: Any])?["code"] as? String == "rate_limited")
            let retryAfter = second.headers[.retryAfter].flatMap(Int.init)
            #expect(retryAfter.map { (1...10).contains($0) } == true)
            // Another key has its own bucket.
            let other = try await client.execute(
                uri: "/v1/sizes", method: .get, headers: ServerHarness.auth(ServerHarness.bob))
            #expect(other.status == .ok)
        }
    }
}
