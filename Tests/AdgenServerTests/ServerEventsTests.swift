import AdgenServer
import AdgenTesting
import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /v1/batches/{id}/events`: every creative event once, in finish order, then `batch.completed`, and the stream
/// ends; `Last-Event-ID` continues after the event named.
@Suite("Server-sent events")
struct ServerEventsTests {
    typealias H = ServerHarness

    struct Frame: Equatable {
        var id: String?
        var event: String
        var data: [String: Any]

        static func == (lhs: Frame, rhs: Frame) -> Bool { lhs.id == rhs.id && lhs.event == rhs.event }
    }

    static func frames(_ text: String) -> [Frame] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: String?
            var event: String?
            var data: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard let event, let data,
                let json = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            else { return nil }
            return Frame(id: id, event: event, data: json)
        }
    }

    @Test("A stream opened while the batch runs gets every creative once, then batch.completed, and ends")
    func streamToCompletion() async throws {
        try await H.live { client, _ in
            let id = try #require(try await client.submit()["id"] as? String)
            // The test client gives up on any request after 15 s; a stream lasts as long as its batch, so this one is
            // read with a client of its own.
            let port = try #require(client.port)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/batches/\(id)/events")
            request.headers.add(name: "Authorization", value: "Bearer \(H.alice)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(180))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
            let frames = Self.frames(text)
            let creatives = frames.filter { $0.event == "creative.completed" }
            #expect(creatives.map(\.id) == ["1", "2", "3", "4"])
            #expect(
                Set(
                    creatives.compactMap { ($0.data["data"] as? [String: Any])?["creative"] as? [String: Any] }
                        .compactMap { $0["id"] as? String }
                ).count == 4)
            #expect(creatives.allSatisfy { $0.data["type"] as? String == "creative.completed" })
            #expect(frames.last?.event == "batch.completed")
            let ready = try #require(frames.first { $0.event == "export.ready" }?.data["data"] as? [String: Any])
            #expect(ready["manifest_url"] as? String == "/v1/batches/\(id)/manifest.json")
            #expect((ready["files"] as? Int ?? 0) > 4)
            #expect((frames.last?.data["data"] as? [String: Any])?["state"] as? String == "completed")
            #expect(frames.contains { $0.event == "batch.progress" })

            // Resuming after event 2: events 3 and 4, then the end.
            let resumed = try await client.execute(
                uri: "/v1/batches/\(id)/events", method: .get,
                headers: H.auth(H.alice, [HTTPField.Name("Last-Event-ID")!: "2"]))
            let later = Self.frames(resumed.text).filter { $0.event == "creative.completed" }
            #expect(later.map(\.id) == ["3", "4"])
            #expect(Self.frames(resumed.text).last?.event == "batch.completed")

            // The gallery's view token opens the stream too (a browser's EventSource sends no header).
            let gallery = try #require(
                try await client.execute(uri: "/v1/batches/\(id)", method: .get, headers: H.auth(H.alice))
                    .json["gallery_url"] as? String)
            let token = String(gallery.split(separator: "view=").last ?? "")
            let viewed = try await client.execute(uri: "/v1/batches/\(id)/events?view=\(token)", method: .get)
            #expect(Self.frames(viewed.text).filter { $0.event == "creative.completed" }.count == 4)
        }
    }

    @Test("A bad Last-Event-ID is 400; a stream of another key's batch is 404")
    func badResume() async throws {
        try await H.live { client, _ in
            let id = try #require(try await client.submit()["id"] as? String)
            let bad = try await client.execute(
                uri: "/v1/batches/\(id)/events", method: .get,
                headers: H.auth(H.alice, [HTTPField.Name("Last-Event-ID")!: "x"]))
            #expect(bad.status == .badRequest)
            let other = try await client.execute(uri: "/v1/batches/\(id)/events", method: .get, headers: H.auth(H.bob))
            #expect(other.status == .notFound)
        }
    }
}
