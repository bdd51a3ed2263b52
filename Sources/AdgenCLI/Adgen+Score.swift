import AdgenCore
import AdgenImaging
import ArgumentParser
import Foundation

extension Adgen {
    /// `adgen score FILE… --size ID [--json]`
    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score images against a size preset: spec, sharpness, colourfulness, brand fit, perceptual hash.",
            discussion: """
                Works on any image, also creatives made elsewhere. Without layout boxes the text checks \
                (legibility, safe zone, text coverage) are skipped and say so. Near-duplicates among the files \
                (perceptual hashes at most 8 bits apart) are flagged. An unreadable file gets an error of its own \
                and the others are still scored; the exit code is then 65.
                """)

        @Argument(help: "Image files (PNG, JPEG, WebP, AVIF, …).")
        var files: [String]

        @Option(help: "The size preset (or WxH) to judge them against; `adgen sizes` lists them.")
        var size: String

        @Option(help: "Brand colours (#RRGGBB, comma-separated) for the brand-fit check.")
        var brandColors: String?

        @Flag(help: "Print one JSON object per file (file, phash, scores, total, tags, checks).")
        var json = false

        func run() async throws {
            let preset: AdSize
            switch AdSize.resolve(size) {
            case .success(let resolved): preset = resolved
            case .failure(.unknown(let id, let suggestion)):
                let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
                throw ValidationError("--size: unknown size '\(id)'\(hint) (`adgen sizes` lists them; WxH works too)")
            case .failure(.outOfRange(let id)):
                throw ValidationError("--size: \(id) is out of range; sides are 1 to \(AdSize.maxCustomSide) pixels")
            }
            let colours = (brandColors ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let scorer = Scorer()
            var cards = [(file: String, card: Scorecard)]()
            var failed = 0
            var errors = StreamWriter.standardError()
            for file in files {
                do {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw ValidationError("cannot read the file (missing, a folder, or no permission)")
                    }
                    let input = try scorer.input(encoded: [UInt8](data), size: preset, brandColors: colours)
                    cards.append((file, try scorer.score(input)))
                } catch {
                    failed += 1
                    errors.writeLine("\(file): error: \(error)")
                }
            }
            errors.flush()
            var scored = cards.map(\.card)
            scorer.markNearDuplicates(&scored, keys: Array(repeating: preset.id, count: scored.count))
            var output = StreamWriter.standardOutput()
            for (index, card) in scored.enumerated() {
                let file = cards[index].file
                if json {
                    output.write(bytes: try Self.jsonLine(file: file, card: card))
                } else {
                    output.writeLine(Self.text(file: file, card: card))
                }
            }
            output.flush()
            if failed > 0 { throw Exit.badInput }
        }

        static func jsonLine(file: String, card: Scorecard) throws -> [UInt8] {
            struct Line: Encodable {
                var file: String
                var phash: String
                var scores: [String: Double]
                var total: Double
                var tags: [String]
                var checks: [Scorecard.Check]
                var dominantColors: [DominantColor]
            }
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line = Line(
                file: file, phash: card.phash.description, scores: card.scores, total: card.total, tags: card.tags,
                checks: card.checks, dominantColors: card.dominantColors)
            return Array(try encoder.encode(line)) + [UInt8(ascii: "\n")]
        }

        static func text(file: String, card: Scorecard) -> String {
            var lines = ["\(file)  total \(String(format: "%.2f", card.total))  phash \(card.phash)"]
            for check in card.checks {
                let verdict =
                    switch check.passed {
                    case true?: "ok  "
                    case false?: "FAIL"
                    case nil: "skip"
                    }
                let score = check.score.map { String(format: "%.2f", $0) } ?? "  - "
                lines.append(
                    "  \(verdict) \(check.name.padding(toLength: 13, withPad: " ", startingAt: 0)) \(score)  \(check.reason)"
                )
            }
            lines.append("  tags: \(card.tags.joined(separator: ", "))")
            return lines.joined(separator: "\n")
        }
    }
}
