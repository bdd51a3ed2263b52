import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `adgen serve` as a child process on a port of its own, for tests of the built binary: started, asked over HTTP,
/// stopped with SIGTERM or killed with SIGKILL, started again on the same store.
public final class ServeProcess: Sendable {
    /// Where it listens (`http://127.0.0.1:PORT`).
    public let baseURL: String
    private let process: Mutex<Process>
    private let errorPath: String

    /// Starts `adgen serve --port 0 ARGUMENTS` in `directory` with `environment` added, and waits until it prints the
    /// address it listens on.
    public init(
        _ arguments: [String], in directory: String, environment: [String: String], readyWithin: Duration = .seconds(60)
    ) async throws {
        let process = Process()
        process.executableURL = AdgenProcess.executable
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        errorPath = "\(directory)/serve-\(UUID().uuidString).stderr"
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let reader = LineReader()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else if let line = reader.append(data) {
                continuation.yield(line)
            }
        }
        try process.run()
        self.process = Mutex(process)
        let first = await AdgenProcess.firstLine(of: lines, within: readyWithin)
        guard let first, let start = first.range(of: "http://"),
            let address = first[start.lowerBound...].split(separator: " ").first
        else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw AdgenProcess.BackgroundError(description: "adgen serve did not start: \(first ?? "")\n\(errors)")
        }
        baseURL = String(address)
    }

    /// What it printed on standard error.
    public var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Its process id.
    public var pid: Int32 { process.withLock { $0.processIdentifier } }

    /// Its resident memory now and at its peak, in MB (from /proc).
    public var memory: (resident: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(name) }
                .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }.map { $0 / 1024 }
        }
        guard let resident = field("VmRSS:"), let peak = field("VmHWM:") else { return nil }
        return (resident, peak)
    }

    /// Whether it still runs.
    public var isRunning: Bool { process.withLock { $0.isRunning } }

    /// Sends `signal` (SIGTERM: a graceful stop; SIGKILL: a crash).
    public func signal(_ signal: Int32) {
        process.withLock { process in
            if process.isRunning { kill(process.processIdentifier, signal) }
        }
    }

    /// Waits up to `timeout` for it to exit; its status, or nil when it still runs.
    public func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let status = process.withLock { $0.isRunning ? nil : $0.terminationStatus }
            if let status { return status }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Stops it (SIGTERM, then SIGKILL after 10 s).
    public func stop() async {
        signal(SIGTERM)
        if await waitForExit(timeout: .seconds(10)) == nil {
            signal(SIGKILL)
            _ = await waitForExit(timeout: .seconds(10))
        }
    }

    deinit {
        process.withLock { process in
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}
