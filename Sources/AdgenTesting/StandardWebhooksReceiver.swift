import Foundation

/// `scripts/webhooks/receiver.py` while it runs: a webhook receiver that verifies every request with the Python
/// `standardwebhooks` package (not adgen's code) and logs one JSON line per request.
public struct StandardWebhooksReceiver: Sendable {
    /// One request as the receiver logged it.
    public struct Request: Sendable, Decodable, Equatable {
        public var id: String?
        public var timestamp: String?
        public var type: String?
        public var verified: Bool
        public var status: Int
    }

    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// The JSON-lines log of every request.
    public let logPath: String

    /// `http://127.0.0.1:PORT/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Runs `body` while the receiver runs with `arguments` (`--secret`, `--fail-first N`, …), its log in `folder`.
    public static func with<T: Sendable>(
        _ arguments: [String], in folder: String, _ body: (StandardWebhooksReceiver) async throws -> T
    ) async throws -> T {
        let log = "\(folder)/receiver-\(UUID().uuidString).jsonl"
        FileManager.default.createFile(atPath: log, contents: nil)
        let script = Repository.path("scripts/webhooks/receiver.py")
        return try await AdgenProcess.withBackground("python3", [script, "--port", "0", "--log", log] + arguments) {
            process in
            guard process.firstLine.hasPrefix("listening "),
                let port = Int(process.firstLine.dropFirst("listening ".count).trimmingCharacters(in: .whitespaces))
            else {
                throw AdgenProcess.BackgroundError(
                    description: "receiver.py did not say where it listens: \(process.firstLine)\n"
                        + process.standardError)
            }
            return try await body(StandardWebhooksReceiver(port: port, logPath: log))
        }
    }

    /// Every request so far.
    public func requests() throws -> [Request] {
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Waits until `condition` holds for the requests, up to `timeout`; returns them either way.
    public func wait(timeout: Duration = .seconds(60), until condition: ([Request]) -> Bool) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let requests = try requests()
            if condition(requests) || ContinuousClock.now >= deadline { return requests }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
