import AdgenCore
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Adgen {
    /// `adgen render FILE --out DIR [--limit N]`
    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render the first variants of a campaign at every size, in process, with the local renderer.",
            discussion: """
                The local renderer is an offline procedural stand-in for an image model (deterministic drafts for \
                demos and tests), not model output. Files go to DIR/<size-id>/<creative-id>.<ext>.
                """)

        @Argument(help: "A campaign YAML file.")
        var file: String

        @Option(help: "The output folder.")
        var out: String

        @Option(help: "How many variants to render (each at every size).")
        var limit: Int = 8

        func run() async throws {
            let campaign: Campaign
            do {
                campaign = try CampaignLoader().load(path: file)
            } catch {
                report(error.diagnostics)
                throw Exit.badInput
            }
            let renderer = PreviewRenderer(configuration: .init(output: out, limit: max(0, limit)))
            let interactive = isatty(2) != 0
            let clock = ContinuousClock()
            let start = clock.now
            let outputs: [PreviewRenderer.Output]
            do {
                outputs = try await renderer.render(campaign) { done, total in
                    guard interactive else { return }
                    var errors = StreamWriter.standardError()
                    errors.write("\rrendered \(done)/\(total) creatives")
                    errors.flush()
                }
            } catch let error as PipelineError {
                report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), error.message)])
                throw Exit.badInput
            }
            let seconds =
                Double((clock.now - start).components.attoseconds) / 1e18
                + Double((clock.now - start).components.seconds)
            var errors = StreamWriter.standardError()
            if interactive { errors.write("\r") }
            errors.writeLine(
                "rendered \(outputs.count) creatives of \(Set(outputs.map(\.variantID)).count) variants in \(String(format: "%.1f", seconds)) s to \(out)"
            )
            errors.flush()
        }
    }
}
