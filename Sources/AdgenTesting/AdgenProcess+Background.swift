import Foundation
import Synchronization

extension AdgenProcess {
    /// A child process a test talks to while it runs (a receiver, a server), started by `withBackground`.
    public struct Background: Sendable {
        /// The first line it printed on standard output (`listening 41234`).
        public let firstLine: String
        let errorPath: String

        /// What it printed on standard error so far.
        public var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
    }

    /// A background process did not start or did not say it was ready.
    public struct BackgroundError: Error, CustomStringConvertible {
        /// What went wrong, with the process' standard error.
        public var description: String
    }

    /// Runs `PROGRAM ARGUMENTS` (found on `PATH`), waits for the first line it prints (it should print one once
    /// it is ready, such as the port it listens on), runs `body`, then stops the process, whatever `body` does.
    public static func withBackground<T: Sendable>(
        _ program: String, _ arguments: [String], readyWithin: Duration = .seconds(30),
        _ body: (Background) async throws -> T
    ) async throws -> T {
        let scratch = try TemporaryDirectory(prefix: "adgen-background")
        defer { scratch.remove() }
        let errorPath = try scratch.write("stderr", "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        let lines = AsyncStream.makeStream(of: String.self)
        let reader = LineReader()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                lines.continuation.finish()
            } else if let line = reader.append(data) {
                lines.continuation.yield(line)
            }
        }
        let ended = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in
            ended.continuation.finish()
            lines.continuation.finish()
        }
        try process.run()
        let stop = { () async in
            // SIGTERM first; a child spawned with signals blocked ignores it, so SIGKILL after a grace period.
            if process.isRunning { process.terminate() }
            let exited = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in ended.stream {}
                    return true
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(2))
                    return false
                }
                defer { group.cancelAll() }
                return await group.next() ?? false
            }
            if !exited, process.isRunning { kill(process.processIdentifier, SIGKILL) }
            for await _ in ended.stream {}
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
        }
        let first = await firstLine(of: lines.stream, within: readyWithin)
        let background = Background(firstLine: first ?? "", errorPath: errorPath)
        guard first != nil else {
            await stop()
            throw BackgroundError(
                description: "\(program) \(arguments.joined(separator: " ")) printed no line within \(readyWithin); "
                    + "standard error:\n\(background.standardError)")
        }
        do {
            let result = try await body(background)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

extension AdgenProcess {
    /// The first line `lines` yields within `timeout`; nil when none comes (or the stream ends first).
    static func firstLine(of lines: AsyncStream<String>, within timeout: Duration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                for await line in lines { return line }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }
}

/// Collects output until the first complete line.
final class LineReader: Sendable {
    private let state = Mutex<(buffer: [UInt8], done: Bool)>(([], false))

    /// The first line, once `data` completes it; nil before and after.
    func append(_ data: Data) -> String? {
        state.withLock { state in
            guard !state.done else { return nil }
            state.buffer += data
            guard let end = state.buffer.firstIndex(of: 10) else { return nil }
            state.done = true
            return String(decoding: state.buffer[..<end], as: UTF8.self)
        }
    }
}
