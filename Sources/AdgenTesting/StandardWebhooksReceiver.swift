import Foundation

/// `scripts/webhooks/receiver.py` as a running process: a webhook receiver that verifies every request with the
/// Python `standardwebhooks` package (not adgen's code) and logs one JSON line per request.
/// `@unchecked Sendable`: every stored property is immutable after init; the `Process` is only asked to stop, which
/// Foundation allows from any thread.
public final class StandardWebhooksReceiver: @unchecked Sendable {
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
    let process: Process

    /// `http://127.0.0.1:PORT/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Starts the receiver with `arguments` (`--secret`, `--fail-first N`, …) and waits until it listens.
    public init(arguments: [String], in folder: String) async throws {
        let output = "\(folder)/receiver-\(UUID().uuidString).out"
        logPath = "\(folder)/receiver-\(UUID().uuidString).jsonl"
        FileManager.default.createFile(atPath: output, contents: nil)
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Repository.path("scripts/webhooks/receiver.py"), "--port", "0", "--log", logPath] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }),
                let port = Int(line.dropFirst("listening ".count).trimmingCharacters(in: .whitespaces))
            {
                self.port = port
                return
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                if process.isRunning { process.terminate() }
                throw ReceiverError(
                    "scripts/webhooks/receiver.py did not start (is `standardwebhooks` installed? "
                        + "`pip install standardwebhooks`): \(text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Every request so far.
    public func requests() throws -> [Request] {
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Waits until `condition` holds for the requests, up to `timeout`.
    public func wait(
        timeout: Duration = .seconds(60), until condition: ([Request]) -> Bool
    ) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let requests = try requests()
            if condition(requests) || ContinuousClock.now >= deadline { return requests }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops the receiver.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// The receiver could not be started.
public struct ReceiverError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}
