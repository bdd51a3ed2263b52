import AdgenTesting
import Foundation
import Synchronization
import Testing

@testable import AdgenCore

/// Counts the requests a test server received.
final class RequestLog: Sendable {
    let requests = Mutex<[TestHTTPRequest]>([])

    var all: [TestHTTPRequest] { requests.withLock { $0 } }

    /// A handler that records each request, then answers with `answer`.
    func handler(_ answer: @escaping @Sendable (TestHTTPRequest) async -> TestHTTPResponse) -> TestHTTPServer.Handler {
        { request in
            self.requests.withLock { $0.append(request) }
            return await answer(request)
        }
    }
}

@Suite struct WebhookSenderTests {
    static let local = WebhookURLPolicy(allowInsecure: true, allowPrivate: true)
    static let body = Array(#"{"type":"batch.completed","data":{"batch":"b1"}}"#.utf8)

    func sender(timeout: Duration = .seconds(15), policy: WebhookURLPolicy = local) -> WebhookSender {
        var configuration = WebhookSender.Configuration()
        configuration.timeout = timeout
        return WebhookSender(policy: policy, configuration: configuration)
    }

    @Test func a2xxIsDeliveredWithTheHeadersAndBodyAsGiven() async throws {
        let log = RequestLog()
        try await withTestHTTPServer(log.handler { _ in .text("thanks", status: 202) }) { server in
            let response = await sender().send(
                url: server.baseURL + "/hooks?token=t", headers: [("webhook-id", "msg_1")], body: Self.body)
            #expect(response.outcome == .delivered)
            #expect(response.status == 202)
            #expect(response.error == nil)
            #expect(response.responseExcerpt == "thanks")
            #expect(response.duration > .zero)
            let request = try #require(log.all.first)
            #expect(request.method == "POST")
            #expect(request.path == "/hooks")
            #expect(request.query["token"] == "t")
            #expect(request.header("webhook-id") == "msg_1")
            #expect(request.body == Self.body)
        }
    }

    @Test func aHostNameIsConnectedToTheVettedAddressAndKeptInTheHostHeader() async throws {
        let log = RequestLog()
        try await withTestHTTPServer(log.handler { _ in .text("ok") }) { server in
            let response = await sender().send(url: "http://localhost:\(server.port)/hooks", headers: [], body: [])
            #expect(response.outcome == .delivered)
            #expect(log.all.first?.header("host") == "localhost:\(server.port)")
        }
    }

    @Test func theClientIsPinnedToTheVettedAddressWithNoRetriedConnections() throws {
        let sender = sender(timeout: .seconds(3))
        let named = try Self.local.check("https://hooks.example.com/in")
        let settings = sender.clientConfiguration(for: named, address: "93.184.215.14")
        #expect(settings.dnsOverride == ["hooks.example.com": "93.184.215.14"])
        #expect(settings.connectionPool.retryConnectionEstablishment == false)
        #expect(settings.timeout.connect == .seconds(3))
        #expect(settings.timeout.read == .seconds(3))
        let literal = try Self.local.check("https://[2606:4700::1]/in")
        #expect(sender.clientConfiguration(for: literal, address: "2606:4700::1").dnsOverride.isEmpty)
    }

    @Test func a410IsGone() async throws {
        try await withTestHTTPServer({ _ in .text("endpoint deleted", status: 410) }) { server in
            let response = await sender().send(url: server.baseURL, headers: [], body: Self.body)
            #expect(response.outcome == .gone)
            #expect(response.status == 410)
            #expect(response.responseExcerpt == "endpoint deleted")
        }
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsAFailureAndNeverFollowed(status: Int) async throws {
        let elsewhere = RequestLog()
        try await withTestHTTPServer(elsewhere.handler { _ in .text("ok") }) { target in
            let redirect: TestHTTPServer.Handler = { _ in
                TestHTTPResponse(status: status, headers: [("Location", target.baseURL + "/final")])
            }
            try await withTestHTTPServer(redirect) { server in
                let response = await sender().send(url: server.baseURL + "/hooks", headers: [], body: Self.body)
                #expect(response.outcome == .failed)
                #expect(response.status == status)
                #expect(response.error == "redirect (\(status)) not followed: point the webhook at the final URL")
            }
            #expect(elsewhere.all.isEmpty, "the Location target was requested")
        }
    }

    @Test func anErrorStatusFailsWithTheReceiversRetryAfterInSecondsOrAsADate() async throws {
        let inTwoMinutes = Date().addingTimeInterval(120)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: inTwoMinutes)
        let handler: TestHTTPServer.Handler = { request in
            switch request.path {
            case "/seconds": TestHTTPResponse(status: 503, headers: [("Retry-After", "7")])
            case "/date": TestHTTPResponse(status: 429, headers: [("Retry-After", date)])
            default: .text("boom", status: 500)
            }
        }
        try await withTestHTTPServer(handler) { server in
            let seconds = await sender().send(url: server.baseURL + "/seconds", headers: [], body: Self.body)
            #expect(seconds.outcome == .failed)
            #expect(seconds.error == "HTTP 503")
            #expect(seconds.retryAfter == .seconds(7))
            let dated = await sender().send(url: server.baseURL + "/date", headers: [], body: Self.body)
            #expect(dated.error == "HTTP 429")
            let wait = try #require(dated.retryAfter)
            #expect(wait > .seconds(100) && wait <= .seconds(121))
            let plain = await sender().send(url: server.baseURL + "/plain", headers: [], body: Self.body)
            #expect(
                plain
                    == WebhookResponse(
                        outcome: .failed, status: 500, error: "HTTP 500", duration: plain.duration,
                        responseExcerpt: "boom"))
        }
    }

    @Test func aReceiverThatNeverAnswersTimesOut() async throws {
        let silent: TestHTTPServer.Handler = { _ in
            try? await Task.sleep(for: .seconds(60))
            return .text("too late")
        }
        try await withTestHTTPServer(silent) { server in
            let response = await sender(timeout: .seconds(1)).send(url: server.baseURL, headers: [], body: Self.body)
            #expect(response.outcome == .failed)
            #expect(response.status == nil)
            #expect(response.error == "timed out after 1 s")
            #expect(response.duration >= .seconds(1) && response.duration < .seconds(5))
        }
    }

    @Test func aBodyThatStallsAfterTheHeadEndsAtTheDeadlineWithTheStatusKept() async throws {
        let stalling: TestHTTPServer.Handler = { _ in
            var response = TestHTTPResponse.text("late body")
            response.bodyDelay = .seconds(30)
            return response
        }
        // 3 s: on a loaded 2-core machine the head alone has taken over a second to arrive.
        try await withTestHTTPServer(stalling) { server in
            let response = await sender(timeout: .seconds(3)).send(url: server.baseURL, headers: [], body: Self.body)
            #expect(response.outcome == .delivered)
            #expect(response.status == 200)
            #expect(response.duration >= .seconds(3) && response.duration < .seconds(8))
        }
    }

    @Test func aLargeAnswerIsReadOnlyToTheLimitAndKeptToOneKilobyte() async throws {
        let large = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        try await withTestHTTPServer({ _ in .bytes(large, contentType: "text/plain") }) { server in
            let response = await sender().send(url: server.baseURL, headers: [], body: Self.body)
            #expect(response.outcome == .delivered)
            #expect(response.responseExcerpt == String(repeating: "a", count: 1024))
        }
    }

    @Test func aClosedPortIsConnectionRefused() async throws {
        let port = try await withTestHTTPServer({ _ in .text("ok") }) { $0.port }
        let response = await sender().send(url: "http://127.0.0.1:\(port)/hooks", headers: [], body: Self.body)
        #expect(response.outcome == .failed)
        #expect(response.error == "connection refused")
        #expect(response.duration < .seconds(5))
    }

    @Test func aRefusedURLIsNeverConnectedTo() async throws {
        let log = RequestLog()
        try await withTestHTTPServer(log.handler { _ in .text("ok") }) { server in
            let insecure = await sender(policy: .init()).send(url: server.baseURL, headers: [], body: Self.body)
            #expect(insecure.outcome == .refused)
            #expect(insecure.error?.contains("ADGEN_ALLOW_INSECURE_WEBHOOKS") == true)
            let loopback = await sender(policy: .init(allowInsecure: true))
                .send(url: server.baseURL + "/hooks?secret=abc", headers: [], body: Self.body)
            #expect(loopback.outcome == .refused)
            #expect(loopback.status == nil)
            #expect(loopback.error?.contains("ADGEN_ALLOW_PRIVATE_WEBHOOKS") == true)
            #expect(loopback.error?.contains("abc") == false)
            let named = await sender(policy: .init(allowInsecure: true))
                .send(url: "http://localhost:\(server.port)/hooks", headers: [], body: Self.body)
            #expect(named.outcome == .refused)
            #expect(named.error?.contains("localhost resolves to") == true)
        }
        #expect(log.all.isEmpty)
    }
}
