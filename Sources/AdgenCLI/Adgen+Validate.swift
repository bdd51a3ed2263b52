import AdgenCore
import ArgumentParser

extension Adgen {
    /// `adgen validate FILE…`
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check campaign files; print `ok FILE: N variants × M sizes` or every error with its position.")

        @Argument(help: "Campaign YAML files.")
        var files: [String]

        func run() async throws {
            var failed = false
            var output = StreamWriter.standardOutput()
            for file in files {
                do {
                    let campaign = try CampaignLoader().load(path: file)
                    let expander = try Expander(campaign: campaign)
                    output.writeLine("ok \(file): \(expander.count) variants × \(campaign.sizes.count) sizes")
                } catch let error as CampaignError {
                    output.flush()
                    report(error.diagnostics)
                    failed = true
                } catch let error as VariantSpace.Failure {
                    output.flush()
                    report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), error.message, hint: error.hint)]
                    )
                    failed = true
                }
            }
            output.flush()
            if failed { throw Exit.badInput }
        }
    }
}
