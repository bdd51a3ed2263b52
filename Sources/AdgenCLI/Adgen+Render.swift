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

        /// Tags worth counting in the summary.
        static let reportedTags: Set<String> = [
            "text-shrunk", "text-truncated", "quality-lowered", "near-duplicate", "below-min-score",
            "subject-covered",
        ]

        /// `rendering 12/48 · 3.1/s · ETA 12 s · 1 failed`
        static func progressLine(_ progress: PreviewRenderer.Progress, seconds: Double) -> String {
            let rate = seconds > 0 ? Double(progress.done) / seconds : 0
            let remaining = rate > 0 ? Double(progress.total - progress.done) / rate : 0
            var line = "rendering \(progress.done)/\(progress.total) · \(String(format: "%.1f", rate))/s"
            line += " · ETA \(Int(remaining.rounded(.up))) s"
            if progress.failed > 0 { line += " · \(progress.failed) failed" }
            return line
        }

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
                outputs = try await renderer.render(campaign) { progress in
                    guard interactive else { return }
                    var errors = StreamWriter.standardError()
                    errors.write("\r\u{1B}[K" + Self.progressLine(progress, seconds: (clock.now - start).seconds))
                    errors.flush()
                }
            } catch let error as PipelineError {
                if interactive {
                    var errors = StreamWriter.standardError()
                    errors.write("\n")
                    errors.flush()
                }
                // A setup problem (no background remover configured here) is the operator's to fix, not the file's.
                guard !error.isSetup else {
                    var errors = StreamWriter.standardError()
                    errors.writeLine("adgen: \(file): \(error.message)")
                    errors.flush()
                    throw Exit.notConfigured
                }
                report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), error.message)])
                throw Exit.badInput
            }
            let seconds = (clock.now - start).seconds
            var errors = StreamWriter.standardError()
            if interactive { errors.write("\r\u{1B}[K") }
            let failed = outputs.filter { $0.failure != nil }
            let dropped = outputs.filter { $0.dropped != nil }
            let written = outputs.count - failed.count - dropped.count
            let variants = Set(outputs.map(\.variantID)).count
            errors.writeLine(
                "rendered \(written) creatives of \(variants) variants in \(String(format: "%.1f", seconds)) s to \(out)"
                    + (failed.isEmpty ? "" : "; \(failed.count) failed:"))
            for output in failed {
                errors.writeLine("  \(output.size.id)/\(output.creativeID): \(output.failure ?? "")")
            }
            let cards = outputs.compactMap { output in output.scorecard.map { (output, $0) } }
            if let lowest = cards.min(by: { $0.1.total < $1.1.total }) {
                let mean = cards.reduce(0) { $0 + $1.1.total } / Double(cards.count)
                errors.writeLine(
                    "scores: mean \(String(format: "%.2f", mean)), lowest \(String(format: "%.2f", lowest.1.total)) (\(lowest.0.size.id)/\(lowest.0.creativeID): "
                        + (lowest.1.checks.filter { $0.passed == false }.map(\.reason).first ?? "no failed check") + ")"
                )
            }
            for output in dropped {
                errors.writeLine("  dropped \(output.size.id)/\(output.creativeID): \(output.dropped ?? "")")
            }
            let tagged = cards.flatMap(\.1.tags).filter { Self.reportedTags.contains($0) }
            let events = tagged.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            if !events.isEmpty {
                let listed = events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                errors.writeLine("tags: \(listed)")
            }
            errors.writeLine("scores and tags of every creative: \(out)/scores.jsonl")
            errors.flush()
            if !failed.isEmpty { throw Exit.someFailed }
        }
    }
}
