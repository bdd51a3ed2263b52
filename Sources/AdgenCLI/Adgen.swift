import AdgenCore
import ArgumentParser

/// `adgen`: one campaign brief in, hundreds of sized, scored ad creatives out.
@main
struct Adgen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adgen",
        abstract: "Turn one ad campaign brief into every prompt variation, sized for every placement.",
        discussion: """
            Exit codes: 0 success; 3 some creatives failed (the reasons are printed, the rest were written); \
            4 the batch was cancelled; 64 usage error; 65 bad input (campaign, template or wildcard file: every \
            error is printed as FILE:LINE:COL: error: MESSAGE); 69 a provider or the store is unavailable; \
            70 internal error; 73 an export folder could not be written (the results stay in the store); \
            75 paused (disk full or unwritable folder: fix it, then `adgen resume`); \
            78 provider not configured (a missing API key).
            The default image provider, `local`, is an offline procedural stand-in for a model: it paints \
            deterministic drafts for demos and tests, not model output.
            """,
        version: AdgenVersion.current,
        subcommands: [
            Validate.self, Expand.self, PlanCommand.self, Render.self, Run.self, Status.self, Cancel.self, Resume.self,
            Export.self, Deliveries.self, Score.self, Sizes.self, FontsCommand.self, Serve.self,
        ]
    )

    /// Runs the command, mapping failures to the documented exit codes: usage errors 64, bad input 65 (thrown
    /// by the commands after printing their diagnostics), anything unexpected 70.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            exit(withError: code)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            if exitCode(for: error) != .failure { exit(withError: error) }
            var errors = StreamWriter.standardError()
            errors.writeLine("adgen: internal error: \(error)")
            errors.flush()
            exit(withError: Exit.internalError)
        }
    }
}

/// The exit codes adgen uses (sysexits), documented in `adgen --help` and README.
enum Exit {
    /// Bad input: a campaign, template or wildcard file has errors.
    static let badInput = ExitCode(65)
    /// An internal error.
    static let internalError = ExitCode(70)
    /// Some creatives failed (each reason is printed); the others were written.
    static let someFailed = ExitCode(3)
}
