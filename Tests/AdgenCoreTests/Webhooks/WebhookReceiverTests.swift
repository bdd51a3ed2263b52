import AdgenTesting
import Crypto
import Foundation
import Testing

@testable import AdgenCore

/// adgen's signatures checked by the official Python library, through `scripts/webhooks/receiver.py`.
@Suite struct WebhookReceiverTests {
    static let receiver = Repository.path("scripts/webhooks/receiver.py")
    static let oldSecret = "whsec_" + Data(repeating: 0x11, count: 32).base64EncodedString()
    static let newSecret = "whsec_" + Data(repeating: 0x22, count: 32).base64EncodedString()

    /// One line of the receiver's log.
    struct Record: Decodable {
        var id: String?
        var type: String?
        var verified: Bool
        var status: Int
        var sha256: String
        var sent: Int?
    }

    /// Fails the test, saying how to fix it, when the Python library is missing.
    func requireStandardWebhooks() async throws {
        let check = try await AdgenProcess.shell("python3 -c 'import standardwebhooks.webhooks'")
        try #require(
            check.status == 0,
            "the Python package standardwebhooks is not importable: pip install standardwebhooks==1.1.0\n\(check.standardError)"
        )
    }

    /// Runs the receiver with `arguments`, then `body` with its URL and a function reading its log.
    func withReceiver<T: Sendable>(
        secret: String = newSecret, _ arguments: [String] = [],
        _ body: (_ url: String, _ log: @Sendable () -> [Record]) async throws -> T
    ) async throws -> T {
        try await requireStandardWebhooks()
        let scratch = try TemporaryDirectory(prefix: "adgen-receiver")
        defer { scratch.remove() }
        let logPath = scratch.path + "/requests.jsonl"
        let arguments = [Self.receiver, "--secret", secret, "--port", "0", "--log", logPath] + arguments
        return try await AdgenProcess.withBackground("python3", arguments) { process in
            let port = try #require(
                process.firstLine.split(separator: " ").last.flatMap { Int($0) },
                "receiver.py did not say its port: \(process.firstLine)\n\(process.standardError)")
            let read: @Sendable () -> [Record] = {
                let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                return text.split(separator: "\n").compactMap {
                    try? JSONDecoder().decode(Record.self, from: Data($0.utf8))
                }
            }
            return try await body("http://127.0.0.1:\(port)/hooks", read)
        }
    }

    func send(_ url: String, secrets: [String], id: String, type: String, timeout: Duration = .seconds(15))
        async throws -> (WebhookResponse, body: [UInt8])
    {
        let signer = WebhookSigner(secrets: try secrets.map { try WebhookSecret(parsing: $0) })
        let body = Array(#"{"type":"\#(type)","data":{"n":"\#(id)","note":"é ✓"}}"#.utf8)
        let headers = signer.headers(id: id, timestamp: Int64(Date().timeIntervalSince1970), body: body)
        var configuration = WebhookSender.Configuration()
        configuration.timeout = timeout
        let sender = WebhookSender(policy: .init(allowInsecure: true, allowPrivate: true), configuration: configuration)
        return (await sender.send(url: url, headers: headers, body: body), body)
    }

    @Test func duringARotationTheNewSecretAloneVerifiesEveryMessage() async throws {
        try await withReceiver(secret: Self.newSecret) { url, log in
            var sent = [(id: String, type: String, body: [UInt8])]()
            for (index, type) in ["batch.started", "creative.scored", "batch.completed"].enumerated() {
                let id = "msg_rotation_\(index)"
                let (response, body) = try await send(
                    url, secrets: [Self.oldSecret, Self.newSecret], id: id, type: type)
                #expect(response.outcome == .delivered, "\(response)")
                sent.append((id, type, body))
            }
            let records = log()
            #expect(records.count == 3)
            for (record, message) in zip(records, sent) {
                #expect(record.verified, "standardwebhooks rejected \(message.id)")
                #expect(record.status == 200)
                #expect(record.id == message.id)
                #expect(record.type == message.type)
                #expect(
                    record.sha256 == SHA256.hash(data: message.body).withUnsafeBytes { Hex.prefix(of: $0, digits: 64) })
            }
        }
    }

    @Test func aWrongSecretIsRejectedByTheReceiver() async throws {
        let wrong = "whsec_" + Data(repeating: 0x33, count: 32).base64EncodedString()
        try await withReceiver(secret: Self.newSecret) { url, log in
            let (response, _) = try await send(url, secrets: [wrong], id: "msg_wrong", type: "batch.started")
            #expect(response.outcome == .failed)
            #expect(response.status == 401)
            #expect(response.error == "HTTP 401")
            #expect(log().map(\.verified) == [false])
        }
    }

    @Test func failuresCarryTheReceiversRetryAfterAndThenItIsDelivered() async throws {
        try await withReceiver(["--fail-first", "2", "--status-for", "endpoint.gone=410"]) { url, log in
            let first = try await send(url, secrets: [Self.newSecret], id: "msg_a", type: "batch.started").0
            #expect(first.error == "HTTP 500")
            #expect(first.retryAfter == nil)
            let second = try await send(url, secrets: [Self.newSecret], id: "msg_a", type: "batch.started").0
            #expect(second.error == "HTTP 429")
            #expect(second.retryAfter == .seconds(1))
            let third = try await send(url, secrets: [Self.newSecret], id: "msg_a", type: "batch.started").0
            #expect(third.outcome == .delivered)
            let gone = try await send(url, secrets: [Self.newSecret], id: "msg_b", type: "endpoint.gone").0
            #expect(gone.outcome == .gone)
            #expect(log().map(\.status) == [500, 429, 200, 410])
        }
    }

    @Test func aFiftyMegabyteAnswerIsCutOffAfterTheLimit() async throws {
        let size = 50 << 20
        try await withReceiver(["--huge-body", "\(size)"]) { url, log in
            let (response, _) = try await send(url, secrets: [Self.newSecret], id: "msg_huge", type: "batch.started")
            #expect(response.outcome == .delivered)
            #expect(response.responseExcerpt.utf8.count <= 1024)
            #expect(response.duration < .seconds(5))
            // The receiver logs how much it wrote once the sender has dropped the connection.
            var record: Record?
            for _ in 0..<100 where record == nil {
                record = log().first
                if record == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let sent = try #require(record?.sent, "the receiver never logged the streamed answer")
            #expect(sent < size / 2, "the receiver wrote \(sent) bytes: the sender read far past its limit")
        }
    }
}
