import AdgenCore
import ArgumentParser

extension Adgen {
    /// `adgen expand FILE` and `adgen expand --template TEXT`.
    struct Expand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print every variant of a campaign (or every prompt of a template), one per line, as they are made.")

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case jsonl, text
        }

        @Argument(help: "A campaign YAML file.")
        var file: String?

        @Option(help: "Expand this template instead of a campaign.")
        var template: String?

        @Option(help: "Wildcard folder for --template (default: templates/wildcards).")
        var wildcards: [String] = []

        @Option(help: "Print at most N variants.")
        var limit: UInt64?

        @Option(help: "Skip the first N variants.")
        var offset: UInt64 = 0

        @Option(help: "jsonl (one JSON object per variant; the default for campaigns) or text (the prompt).")
        var format: Format?

        func validate() throws {
            if (file == nil) == (template == nil) {
                throw ValidationError("give either a campaign FILE or --template TEXT")
            }
            if template != nil, format == .jsonl {
                throw ValidationError("--template prints text; --format jsonl needs a campaign file")
            }
        }

        func run() async throws {
            if let template {
                try expandTemplate(template)
            } else if let file {
                try expandCampaign(file)
            }
        }

        func expandTemplate(_ text: String) throws {
            let folders = wildcards.isEmpty ? ["templates/wildcards"] : wildcards
            let compiled: Template
            do {
                compiled = try Template(text, environment: .standalone(wildcardFolders: folders))
            } catch {
                report(error.diagnostics(file: "<template>", text: text))
                throw Exit.badInput
            }
            var output = StreamWriter.standardOutput()
            let end = limit.map { min(compiled.count, offset &+ $0) } ?? compiled.count
            var index = offset
            while index < end {
                let context = RenderContext(axisValues: [], sequenceIndex: index, seed: 0)
                output.append { buffer in
                    compiled.render(index, context: context, into: &buffer)
                    buffer.append(10)
                }
                index += 1
            }
            output.flush()
        }

        func expandCampaign(_ file: String) throws {
            let expander: Expander
            do {
                let campaign = try CampaignLoader().load(path: file)
                expander = try Expander(campaign: campaign, configuration: .init(offset: offset, limit: limit))
            } catch let error as CampaignError {
                report(error.diagnostics)
                throw Exit.badInput
            } catch let error as VariantSpace.Failure {
                report([Diagnostic(SourceLocation(file: file, line: 1, column: 1), error.message, hint: error.hint)])
                throw Exit.badInput
            }
            var output = StreamWriter.standardOutput()
            switch format ?? .jsonl {
            case .text:
                for variant in expander { output.writeLine(variant.prompt) }
            case .jsonl:
                var sizes = [UInt8]()
                JSONBytes.append("[", to: &sizes)
                for (index, size) in expander.space.sizes.enumerated() {
                    if index > 0 { sizes.append(UInt8(ascii: ",")) }
                    JSONBytes.append("{\"id\":", to: &sizes)
                    JSONBytes.appendString(size.id, to: &sizes)
                    JSONBytes.append(",\"width\":\(size.width),\"height\":\(size.height)}", to: &sizes)
                }
                JSONBytes.append("]", to: &sizes)
                for variant in expander {
                    output.append { line in
                        JSONBytes.append("{\"id\":\"\(variant.id)\",\"prompt\":", to: &line)
                        JSONBytes.appendString(variant.prompt, to: &line)
                        if let negative = variant.negativePrompt {
                            JSONBytes.append(",\"negative_prompt\":", to: &line)
                            JSONBytes.appendString(negative, to: &line)
                        }
                        JSONBytes.append(",\"axes\":{", to: &line)
                        for (index, axis) in variant.axes.enumerated() {
                            if index > 0 { line.append(UInt8(ascii: ",")) }
                            JSONBytes.appendString(axis.name, to: &line)
                            line.append(UInt8(ascii: ":"))
                            JSONBytes.appendString(axis.value, to: &line)
                        }
                        JSONBytes.append("},\"seed\":\(variant.seed),\"sizes\":", to: &line)
                        line.append(contentsOf: sizes)
                        JSONBytes.append("}\n", to: &line)
                    }
                }
            }
            output.flush()
        }
    }
}
