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
            let space = expander.space
            var cursor = space.makeCursor()
            switch format ?? .jsonl {
            case .text:
                for index in expander.indices {
                    space.render(at: index, cursor: &cursor, computeID: false)
                    output.append { line in
                        line.append(contentsOf: cursor.prompt)
                        line.append(10)
                    }
                }
            case .jsonl:
                let sizes = JSONBytes.sizes(space.sizes)
                let opening = Array("{\"id\":\"".utf8)
                let promptKey = Array("\",\"prompt\":".utf8)
                let negativeKey = Array(",\"negative_prompt\":".utf8)
                let axesKey = Array(",\"axes\":{".utf8)
                let seedKey = Array("},\"seed\":".utf8)
                let sizesKey = Array(",\"sizes\":".utf8)
                // Each axis value's `"name":"value"` member, escaped once, in one pool.
                var memberPool = [UInt8]()
                var memberRanges = [[Range<Int>]]()
                for axis in space.axisNames.indices {
                    memberRanges.append(
                        space.axisValueCounts[axis].map { value in
                            let start = memberPool.count
                            let axisValue = space.axisValue(axis, value)
                            JSONBytes.appendString(axisValue.name, to: &memberPool)
                            memberPool.append(UInt8(ascii: ":"))
                            JSONBytes.appendString(axisValue.value, to: &memberPool)
                            return start..<memberPool.count
                        })
                }
                let flatRanges = memberRanges.flatMap { $0 }
                let bases = memberRanges.reduce(into: [0]) { $0.append($0.last! + $1.count) }
                for index in expander.indices {
                    space.render(at: index, cursor: &cursor)
                    output.append { line in
                        line.append(contentsOf: opening)
                        line.append(contentsOf: cursor.id.utf8)
                        line.append(contentsOf: promptKey)
                        JSONBytes.appendString(bytes: cursor.prompt, to: &line)
                        if let negative = cursor.negativePrompt {
                            line.append(contentsOf: negativeKey)
                            JSONBytes.appendString(bytes: negative, to: &line)
                        }
                        line.append(contentsOf: axesKey)
                        memberPool.withUnsafeBufferPointer { pool in
                            for (axis, value) in cursor.assignment.enumerated() {
                                if axis > 0 { line.append(UInt8(ascii: ",")) }
                                line.append(
                                    contentsOf: UnsafeBufferPointer(rebasing: pool[flatRanges[bases[axis] + value]]))
                            }
                        }
                        line.append(contentsOf: seedKey)
                        JSONBytes.append(cursor.seed, to: &line)
                        line.append(contentsOf: sizesKey)
                        line.append(contentsOf: sizes)
                        line.append(contentsOf: [UInt8(ascii: "}"), 10])
                    }
                }
            }
            output.flush()
        }
    }
}
