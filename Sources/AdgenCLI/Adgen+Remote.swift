import AdgenCore
import AdgenService
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--server URL`: the batch commands as clients of a running `adgen serve`.
struct RemoteOptions: ParsableArguments {
    @Option(help: "Talk to a running `adgen serve` at URL (key in $ADGEN_API_KEY) instead of the local store.")
    var server: String?
}

/// What the batch commands do against a server: the same output and exit codes as in process.
struct RemoteSession {
    let client: RemoteClient
    let interactive = isatty(2) != 0

    /// Runs `body` with a client of `server`; an error the server answered is printed and mapped to the batch
    /// commands' exit codes.
    static func with(server: String, _ body: (RemoteSession) async throws -> Void) async throws {
        guard let client = RemoteClient(server: server, environment: ProcessInfo.processInfo.environment) else {
            say("adgen: --server needs the API key in ADGEN_API_KEY")
            throw Exit.notConfigured
        }
        do {
            try await body(RemoteSession(client: client))
        } catch let failure as RemoteClient.Failure {
            if !failure.diagnostics.isEmpty {
                report(failure.diagnostics)
            } else {
                say("adgen: \(failure.message) (\(server))")
            }
            throw Self.code(for: failure)
        } catch let error as ExitCode {
            throw error
        } catch {
            say("adgen: cannot reach \(server): \(error)")
            throw Exit.unavailable
        }
    }

    static func code(for failure: RemoteClient.Failure) -> ExitCode {
        switch failure.status {
        case 401, 403: Exit.notConfigured
        case 429, 503: Exit.tryAgain
        case 400..<500: failure.code == "not_configured" ? Exit.notConfigured : Exit.badInput
        default: Exit.unavailable
        }
    }

    static func say(_ line: String) {
        var errors = StreamWriter.standardError()
        errors.writeLine(line)
        errors.flush()
    }

    /// `adgen run FILE --server URL`: submits the campaign (checked here first, so a broken file is not sent) and
    /// follows it to its end.
    func run(_ context: BatchContext, idempotencyKey: String?, progress: ProgressMode, json: Bool) async throws {
        let (submitted, created) = try await client.submit(context, idempotencyKey: idempotencyKey)
        if interactive {
            Self.say(
                created
                    ? "batch \(submitted.id): \(submitted.requestCounts.total) creatives on \(client.base)"
                    : "batch \(submitted.id) (\(submitted.status)) is this campaign's; following it")
            Self.say("gallery: \(client.base)\(submitted.galleryUrl)")
        }
        let (events, continuation) = AsyncStream.makeStream(of: BatchEvent.self, bufferingPolicy: .bufferingNewest(64))
        var renderer = ProgressRenderer(mode: progress.resolved(interactive: interactive), interactive: interactive)
        let client = client
        async let ended = client.follow(submitted.id, events: continuation)
        for await event in events { renderer.render(event) }
        renderer.finish()
        try conclude(try await ended.batch, json: json)
    }

    /// Prints the batch (as JSON with --json) and throws the exit code a local run would.
    func conclude(_ batch: Batch, json: Bool) throws {
        if json {
            var output = StreamWriter.standardOutput()
            output.writeLine(try BatchSession.json(batch))
            output.flush()
        }
        if interactive || batch.state != .completed || batch.creatives.failed > 0 {
            for line in BatchSession.describe(batch) {
                Self.say(line.replacingOccurrences(of: "  files: ", with: "  gallery: \(client.base)"))
            }
        }
        try BatchSession.exit(for: batch)
    }
}
