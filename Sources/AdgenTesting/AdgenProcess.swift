import Foundation

/// Runs the built `adgen` executable as a user would, capturing its output and exit status.
public enum AdgenProcess {
    /// What a run printed and returned.
    public struct Result: Sendable {
        /// The exit status.
        public var status: Int32
        /// Standard output.
        public var standardOutput: String
        /// Standard error.
        public var standardError: String
    }

    /// The `adgen` binary next to the test bundle (SwiftPM builds both into the same folder).
    public static var executable: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        // On Linux the runner is `…/debug/adgenPackageTests.xctest`; on macOS it is inside a bundle.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("adgen").path),
            folder.pathComponents.count > 1
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("adgen")
    }

    /// Runs `adgen ARGUMENTS` in `directory` (with `environment` added to this process') and waits for it.
    public static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:])
        async throws -> Result
    {
        try await run(executable, arguments, in: directory, environment: environment)
    }

    /// Runs `/bin/sh -c COMMAND` and waits for it.
    public static func shell(_ command: String) async throws -> Result {
        try await run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], in: nil, environment: [:])
    }

    /// Waits for the process without holding a thread: tests run on the small cooperative pool, and a blocked
    /// thread there would stall every other test's I/O.
    static func run(_ program: URL, _ arguments: [String], in directory: String?, environment: [String: String])
        async throws -> Result
    {
        let scratch = try TemporaryDirectory(prefix: "adgen-run")
        defer { scratch.remove() }
        let outputPath = try scratch.write("stdout", "")
        let errorPath = try scratch.write("stderr", "")
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        // Files, not pipes: a large output can never block the process.
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        let ended = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in ended.continuation.finish() }
        try process.run()
        for await _ in ended.stream {}
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }

    /// Starts `adgen ARGUMENTS`, reads the first line it prints, notes whether it is still running, then stops it;
    /// for checking that output streams rather than arriving all at the end.
    public static func firstLine(_ arguments: [String], in directory: String? = nil) throws -> (
        line: String?, stillRunning: Bool
    ) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        var line = Data()
        while true {
            let chunk = output.fileHandleForReading.readData(ofLength: 1)
            if chunk.isEmpty || chunk == Data([10]) { break }
            line.append(chunk)
        }
        return (line.isEmpty ? nil : String(decoding: line, as: UTF8.self), process.isRunning)
    }
}
