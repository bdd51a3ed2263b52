import AdgenCore
import ArgumentParser
import Foundation

extension Adgen {
    /// `adgen plan FILE [--json]`
    struct PlanCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Count variants, creatives and generations per axis and size, and estimate the cost.")

        @Argument(help: "A campaign YAML file.")
        var file: String

        @Flag(help: "Print the plan as JSON.")
        var json = false

        func run() async throws {
            let plan: Plan
            do {
                let campaign = try CampaignLoader().load(path: file)
                plan = try Planner().plan(campaign)
            } catch let error as CampaignError {
                report(error.diagnostics)
                throw Exit.badInput
            } catch let error as VariantSpace.Failure {
                report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), error.message, hint: error.hint)])
                throw Exit.badInput
            }
            var output = StreamWriter.standardOutput()
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                output.write(bytes: Array(try encoder.encode(plan)))
                output.writeLine("")
            } else {
                output.write(Self.text(plan))
            }
            output.flush()
        }

        static func text(_ plan: Plan) -> String {
            var lines = ["campaign \(plan.campaign)"]
            let sampled = plan.totalVariants != UInt64(plan.variants) ? " (sampled from \(plan.totalVariants))" : ""
            lines.append("  variants     \(plan.variants)\(sampled)")
            lines.append("  creatives    \(plan.creatives)  (\(plan.variants) variants × \(plan.sizes.count) sizes)")
            lines.append(
                "  generations  \(plan.generations)  (\(plan.distinctPrompts) distinct prompts × \(plan.families.count) aspect families)"
            )
            let cost =
                plan.estimatedCostUSD.map { String(format: "$%.2f", $0) }
                ?? "unknown (no price for \(plan.provider)/\(plan.model))"
            lines.append("  est. cost    \(cost)  [\(plan.provider) / \(plan.model)]")
            lines.append("")
            lines.append("sizes")
            let width = plan.sizes.map(\.id.count).max() ?? 0
            for size in plan.sizes {
                lines.append(
                    "  \(size.id.padding(toLength: width, withPad: " ", startingAt: 0))  \(size.width)×\(size.height)  \(size.platform), cut from \(size.family)  \(size.creatives) creatives"
                )
            }
            lines.append("")
            lines.append("generations per distinct prompt (\(plan.provider) generation sizes)")
            for family in plan.families {
                lines.append(
                    "  \(family.name) at \(family.width)×\(family.height) → \(family.sizes.joined(separator: ", "))")
            }
            for axis in plan.axes {
                lines.append("")
                lines.append("axis \(axis.name)")
                for value in axis.values { lines.append("  \(value.count)\t\(value.value)") }
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// `adgen sizes`
    struct Sizes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the size presets (any WxH is also accepted).")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            var output = StreamWriter.standardOutput()
            if json {
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                output.write(bytes: Array(try encoder.encode(AdSize.presets)))
                output.writeLine("")
            } else {
                output.writeLine("ID                    SIZE       LIMIT     SAFE ZONE (t/r/b/l)  PLATFORM    SOURCE")
                for size in AdSize.presets {
                    let limit =
                        size.maxBytes.map { $0 >= 1_000_000 ? "\($0 / 1_000_000) MB" : "\($0 / 1000) KB" } ?? "-"
                    let zone =
                        size.safeZone.isEmpty
                        ? "-"
                        : "\(size.safeZone.top)/\(size.safeZone.right)/\(size.safeZone.bottom)/\(size.safeZone.left)"
                    output.writeLine(
                        [
                            size.id.padding(toLength: 21, withPad: " ", startingAt: 0),
                            "\(size.width)x\(size.height)".padding(toLength: 10, withPad: " ", startingAt: 0),
                            limit.padding(toLength: 9, withPad: " ", startingAt: 0),
                            zone.padding(toLength: 20, withPad: " ", startingAt: 0),
                            size.platform.padding(toLength: 11, withPad: " ", startingAt: 0), size.source,
                        ].joined(separator: " "))
                }
                output.writeLine("Custom sizes: any WxH, e.g. 1200x628 (sides 1…\(AdSize.maxCustomSide)).")
            }
            output.flush()
        }
    }
}
