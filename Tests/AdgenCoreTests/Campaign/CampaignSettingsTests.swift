import AdgenCore
import AdgenImaging
import AdgenTesting
import AsyncHTTPClient
import Foundation
import Testing

/// Every key of `pipeline`, `generation`, `scoring` and `export` with a bad value: the loader refuses it at the
/// value's line and column, saying what is wrong and how to fix it, so that nothing `run` or `render` would refuse
/// about a campaign's content gets past `validate`.
@Suite struct CampaignSettingsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        /// The key walked, for the test's name.
        var key: String
        /// Lines appended to `base`.
        var yaml: String
        /// The text the error points at: its first occurrence in `yaml` is the expected line and column.
        var at: String
        /// What the error says (message and hint).
        var says: String
        /// How many errors the file has.
        var count = 1
        var testDescription: String { key }
    }

    /// Three lines; each case's YAML starts on line 4.
    static let base = "campaign: table\nprompt: shoe\nsizes: [meta-feed]\n"

    static let pipeline: [Case] = [
        Case(key: "pipeline", yaml: "pipeline: crop", at: "crop", says: "pipeline must be a list"),
        Case(key: "pipeline step", yaml: "pipeline:\n  - crops", at: "crops", says: "did you mean 'crop'?"),
        Case(
            key: "pipeline item with two steps", yaml: "pipeline:\n  - { crop: attention, layout: standard }",
            at: "{ crop", says: "a pipeline step is one key"),
        Case(
            key: "upscale.factor too large", yaml: "pipeline:\n  - upscale: { factor: 20 }", at: "20",
            says: "upscale.factor must be between 1.0 and 8.0, found 20.0"),
        Case(
            key: "upscale.factor not a number", yaml: "pipeline:\n  - upscale: { factor: big }", at: "big",
            says: "upscale.factor must be a number, found 'big'"),
        Case(
            key: "upscale.factor 1", yaml: "pipeline:\n  - upscale: 1", at: "1",
            says: "upscale.factor must be more than 1, found 1.0; a factor of 1 changes nothing"),
        Case(
            key: "upscale option", yaml: "pipeline:\n  - upscale: { scale: 2 }", at: "scale: 2",
            says: "unknown key 'scale' in pipeline step 'upscale'; known: 'factor'"),
        Case(
            key: "upscale twice in a row", yaml: "pipeline:\n  - upscale: 2\n  - upscale: 3\n  - crop",
            at: "upscale: 3",
            says: "two upscale steps in a row; write one step with the product of the factors: "
                + "`- upscale: { factor: 6 }`"),
        Case(
            key: "upscale after crop", yaml: "pipeline:\n  - crop\n  - upscale: 2", at: "upscale",
            says: "upscale must come before crop (line 5): the crop sets the creative's size"),
        Case(
            key: "upscale after layout", yaml: "pipeline:\n  - layout\n  - upscale: 2", at: "upscale",
            says: "upscale must come before layout (line 5)"),
        Case(
            key: "remove_background.provider without a remover",
            yaml: "pipeline:\n  - remove_background: { provider: openai }", at: "openai",
            says: "provider 'openai' has no background-removal model; only replicate or fal can remove backgrounds"),
        Case(
            key: "remove_background.provider unknown", yaml: "pipeline:\n  - remove_background: replicat",
            at: "replicat",
            says: "did you mean 'replicate'? the providers that can remove backgrounds: replicate or fal"),
        Case(
            key: "remove_background on generation.provider local", yaml: "pipeline:\n  - remove_background",
            at: "remove_background",
            says: "remove_background runs on generation.provider 'local', which has no background-removal model"),
        Case(
            key: "remove_background.model",
            yaml: "pipeline:\n  - remove_background: { provider: replicate, model: bria }", at: "bria",
            says: "remove_background.model 'bria' is not a Replicate model: use owner/name"),
        Case(
            key: "remove_background twice",
            yaml: "pipeline:\n  - remove_background: fal\n  - crop\n  - remove_background: { provider: fal }",
            at: "remove_background: {", says: "the pipeline has a second 'remove_background' step"),
        Case(
            key: "remove_background after layout",
            yaml: "generation: { provider: fal }\npipeline:\n  - layout\n  - remove_background",
            at: "remove_background",
            says: "remove_background must come before layout (line 6): it would cut the layout's text"),
        Case(
            key: "crop.strategy", yaml: "pipeline:\n  - crop: { strategy: sideways }", at: "sideways",
            says: "unknown crop strategy 'sideways'; known: 'attention', 'centre', 'entropy'"),
        Case(
            key: "crop.strategy typo", yaml: "pipeline:\n  - crop: center", at: "center",
            says: "did you mean 'centre'?"),
        Case(
            key: "crop after layout", yaml: "pipeline:\n  - layout\n  - crop", at: "crop",
            says: "crop must come before layout (line 5): a crop after the layout would cut the layout off"),
        Case(
            key: "crop twice", yaml: "pipeline:\n  - crop\n  - crop: entropy", at: "crop: entropy",
            says: "the pipeline has a second 'crop' step (the first is at line 5)"),
        Case(
            key: "layout.template", yaml: "pipeline:\n  - layout: nowhere", at: "nowhere",
            says: "layout template not found: nowhere"),
        Case(
            key: "layout twice", yaml: "pipeline:\n  - layout\n  - layout: standard", at: "layout: standard",
            says: "second 'layout' step"),
        Case(
            key: "encode.format", yaml: "pipeline:\n  - encode: { format: gif }", at: "gif",
            says: "unknown encode.format 'gif'; known: 'jpeg', 'jpg', 'png', 'webp'"),
        Case(
            key: "encode.quality out of range", yaml: "pipeline:\n  - encode: { quality: 500 }", at: "500",
            says: "encode.quality must be between 1 and 100, found 500"),
        Case(
            key: "encode.quality not a number", yaml: "pipeline:\n  - encode: { quality: high }", at: "high",
            says: "encode.quality must be a whole number, found 'high'"),
        Case(
            key: "encode.max_kb negative", yaml: "pipeline:\n  - encode: { max_kb: -3 }", at: "-3",
            says: "encode.max_kb (kilobytes) must be between 1 and 1000000, found -3"),
        Case(
            key: "encode.max_kb not a number", yaml: "pipeline:\n  - encode: { max_kb: lots }", at: "lots",
            says: "encode.max_kb (kilobytes) must be a whole number"),
        Case(
            key: "encode not last", yaml: "pipeline:\n  - encode\n  - layout", at: "encode",
            says: "encode must be the last step; 'layout' (line 6) comes after it"),
        Case(
            key: "encode twice", yaml: "pipeline:\n  - layout\n  - encode: png\n  - encode: jpeg", at: "encode: jpeg",
            says: "the pipeline has a second 'encode' step (the first is at line 6)", count: 2),
    ]

    static let generation: [Case] = [
        Case(key: "generation", yaml: "generation: local", at: "local", says: "generation must be a mapping"),
        Case(
            key: "generation key", yaml: "generation: { concurency: 2 }", at: "concurency",
            says: "did you mean 'concurrency'?"),
        Case(key: "provider", yaml: "generation: { provider: opnai }", at: "opnai", says: "did you mean 'openai'?"),
        Case(
            key: "model of local", yaml: "generation: { model: sdxl }", at: "sdxl",
            says: "generation.model 'sdxl' is not a model of the local renderer; its only model is 'procedural-v1'"),
        Case(
            key: "model of openai", yaml: "generation: { provider: openai, model: gpt-image-7 }", at: "gpt-image-7",
            says: "not an OpenAI image model; did you mean 'gpt-image-1'?"),
        Case(
            key: "model of replicate", yaml: "generation: { provider: replicate, model: flux }", at: "flux",
            says: "generation.model 'flux' is not a Replicate model"),
        Case(
            key: "model of fal", yaml: "generation: { provider: fal, model: flux }", at: "flux",
            says: "generation.model 'flux' is not a fal endpoint id"),
        Case(key: "seeds", yaml: "generation: { seeds: 0 }", at: "0", says: "between 1 and 1000"),
        Case(key: "seeds list", yaml: "generation: { seeds: [3, 3] }", at: "[3", says: "lists a seed twice"),
        Case(key: "seed", yaml: "generation: { seed: -1 }", at: "-1", says: "generation.seed must be between 0 and"),
        Case(
            key: "concurrency", yaml: "generation: { concurrency: 0 }", at: "0",
            says: "generation.concurrency must be between 1 and 256, found 0"),
        Case(
            key: "max_cost_usd", yaml: "generation: { max_cost_usd: cheap }", at: "cheap",
            says: "generation.max_cost_usd must be a number"),
        Case(
            key: "base_url", yaml: "generation: { base_url: \"ftp://example.com\" }", at: "\"ftp",
            says: "is not an http(s) URL"),
        Case(
            key: "parameters", yaml: "generation: { parameters: [steps] }", at: "[steps",
            says: "generation.parameters must be a mapping"),
        Case(
            key: "parameters value", yaml: "generation: { parameters: { steps: [30] } }", at: "[30",
            says: "generation.parameters.steps must be text"),
        Case(
            key: "parameters.workflow of comfyui",
            yaml: "generation:\n  provider: comfyui\n  parameters: { workflow: flows/none.json }", at: "flows",
            says: "ComfyUI workflow file not found: flows/none.json; paths are relative to the campaign file's folder"),
        Case(
            key: "requests_per_minute", yaml: "generation: { requests_per_minute: 0 }", at: "0",
            says: "generation.requests_per_minute must be between 0.1"),
        Case(
            key: "images_per_minute", yaml: "generation: { images_per_minute: -5 }", at: "-5",
            says: "generation.images_per_minute must be between 0.1"),
        Case(
            key: "max_attempts", yaml: "generation: { max_attempts: 0 }", at: "0",
            says: "generation.max_attempts must be between 1 and 100"),
        Case(
            key: "timeout_s", yaml: "generation: { timeout_s: 0 }", at: "0",
            says: "generation.timeout_s must be between 1.0 and 3600.0"),
    ]

    static let scoring: [Case] = [
        Case(key: "scoring", yaml: "scoring: high", at: "high", says: "scoring must be a mapping"),
        Case(key: "scoring key", yaml: "scoring: { min_scor: 0.5 }", at: "min_scor", says: "did you mean 'min_score'?"),
        Case(
            key: "min_score", yaml: "scoring: { min_score: 2 }", at: "2",
            says: "scoring.min_score must be between 0.0 and 1.0, found 2.0"),
        Case(
            key: "below_min", yaml: "scoring: { below_min: dorp }", at: "dorp",
            says: "scoring.below_min must be 'drop' or 'flag', found 'dorp'; did you mean 'drop'?"),
        Case(key: "dedupe", yaml: "scoring: { dedupe: maybe }", at: "maybe", says: "must be true or false"),
        Case(
            key: "weights name", yaml: "scoring: { weights: { legibilty: 1 } }", at: "legibilty",
            says: "unknown score check 'legibilty' in scoring.weights; did you mean 'legibility'?"),
        Case(
            key: "weights spec", yaml: "scoring: { weights: { spec: 1 } }", at: "spec",
            says: "spec is a gate, not a weighted check"),
        Case(
            key: "weights value", yaml: "scoring: { weights: { novelty: 200 } }", at: "200",
            says: "scoring.weights.novelty must be between 0.0 and 100.0"),
        Case(
            key: "weights all 0",
            yaml: """
                scoring:
                  weights:
                    legibility: 0
                    safe_zone: 0
                    text_coverage: 0
                    sharpness: 0
                    colourfulness: 0
                    brand_fit: 0
                    novelty: 0
                    subject_clear: 0
                    subject_visible: 0
                    product_fidelity: 0
                """,
            at: "legibility", says: "scoring.weights leaves every check out of the total"),
    ]

    static let export: [Case] = [
        Case(key: "export", yaml: "export: out", at: "out", says: "export must be a list"),
        Case(key: "export target", yaml: "export:\n  - foldr: out", at: "foldr", says: "did you mean 'folder'?"),
        Case(
            key: "export item with two targets",
            yaml: "export:\n  - { folder: out, webhook: { url: \"https://a.example/h\" } }", at: "{ folder",
            says: "an export target is either"),
        Case(key: "folder", yaml: "export:\n  - folder: \"\"", at: "\"\"", says: "export folder is empty"),
        Case(
            key: "webhook", yaml: "export:\n  - webhook: https://a.example/h", at: "https",
            says: "webhook must be a mapping"),
        Case(
            key: "webhook key", yaml: "export:\n  - webhook: { urll: \"https://a.example/h\" }", at: "urll",
            says: "did you mean 'url'?"),
        Case(
            key: "webhook.url", yaml: "export:\n  - webhook: { url: not-a-url }", at: "not-a-url",
            says: "webhook.url 'not-a-url' is not an http(s) URL"),
        Case(
            key: "webhook without url", yaml: "export:\n  - webhook: { secret_env: HOOK }", at: "{ secret_env",
            says: "webhook needs a 'url'"),
        Case(
            key: "webhook.secret_env",
            yaml: "export:\n  - webhook: { url: \"https://a.example/h\", secret_env: whsec_x+y= }", at: "whsec",
            says: "names an environment variable"),
        Case(
            key: "webhook.events",
            yaml: "export:\n  - webhook: { url: \"https://a.example/h\", events: batch.complete }",
            at: "batch.complete", says: "unknown event 'batch.complete'; did you mean 'batch.completed'?"),
        Case(
            key: "webhook.events twice",
            yaml: "export:\n  - webhook: { url: \"https://a.example/h\", events: [export.ready, export.ready] }",
            at: "export.ready]", says: "webhook.events lists 'export.ready' twice"),
    ]

    /// The line and column of the first occurrence of `needle` in the case's YAML, in the whole file.
    static func position(of needle: String, in yaml: String) throws -> (line: Int, column: Int) {
        let range = try #require(yaml.range(of: needle), "'\(needle)' is in the case's YAML")
        let before = yaml[..<range.lowerBound]
        let line = before.count(where: { $0 == "\n" }) + 1
        let lineStart = before.lastIndex(of: "\n").map { yaml.index(after: $0) } ?? yaml.startIndex
        return (3 + line, yaml.unicodeScalars.distance(from: lineStart, to: range.lowerBound) + 1)
    }

    @Test(arguments: pipeline + generation + scoring + export)
    func badValueIsRefusedAtItsPosition(_ bad: Case) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write("c.yaml", Self.base + bad.yaml + "\n")
        var diagnostics = [Diagnostic]()
        do {
            let campaign = try CampaignLoader().load(path: path)
            Issue.record("loaded as '\(campaign.name)' with pipeline \(campaign.pipeline.map(\.name))")
        } catch {
            diagnostics = error.diagnostics
        }
        let (line, column) = try Self.position(of: bad.at, in: bad.yaml)
        #expect(diagnostics.count == bad.count, "\(diagnostics)")
        let hit = try #require(
            diagnostics.first { $0.location.line == line && $0.location.column == column },
            "an error at \(line):\(column); found \(diagnostics)")
        #expect(hit.description.hasPrefix("\(path):\(line):\(column): error: "))
        #expect(hit.description.contains(bad.says), "\(hit)")
    }

    @Test func everyErrorOfThePipelineIsReportedAtOnce() throws {
        let yaml =
            Self.base + """
                pipeline:
                  - upscale: { factor: 20 }
                  - crop: { strategy: sideways }
                  - encode: { format: gif, quality: 500, max_kb: -3 }
                  - layout: nowhere
                """
        let diagnostics = try #require(try CampaignFixture.diagnostics(yaml))
        #expect(diagnostics.map(\.location.line) == [5, 6, 7, 7, 7, 7, 8])
        #expect(diagnostics.map(\.location.column) == [24, 23, 5, 23, 37, 50, 13])
        #expect(diagnostics[2].message.hasPrefix("encode must be the last step; 'layout' (line 8) comes after it"))
    }

    @Test func aGoodCampaignLoadsIntoTypedSettings() throws {
        let campaign = try CampaignFixture.load(
            Self.base + """
                generation: { provider: replicate, model: "black-forest-labs/flux-dev", seeds: [4, 9], concurrency: 3 }
                pipeline:
                  - upscale: 1.5
                  - remove_background: { model: "851-labs/background-remover" }
                  - crop: centre
                  - layout
                  - encode: { format: jpg, quality: 90, max_kb: 140 }
                scoring: { min_score: 0.5, below_min: drop, dedupe: yes, weights: { novelty: 0, legibility: 2 } }
                export:
                  - folder: out
                  - webhook: { url: "https://hooks.example.com/a", events: [creative.failed, batch.completed] }
                """)
        #expect(campaign.generation.seeds == [4, 9])
        #expect(campaign.pipeline.map(\.name) == ["upscale", "remove_background", "crop", "layout", "encode"])
        #expect(campaign.pipeline[0] == .upscale(factor: 1.5))
        #expect(campaign.pipeline[1] == .removeBackground(provider: .replicate, model: "851-labs/background-remover"))
        #expect(campaign.pipeline[2] == .crop(.centre))
        #expect(campaign.pipeline[4] == .encode(format: .jpeg, quality: 90, maxKB: 140))
        #expect(campaign.scoring.belowMinimum == .drop)
        #expect(campaign.scoring.weights == ["novelty": 0, "legibility": 2])
        #expect(
            campaign.export.last
                == .webhook(
                    url: "https://hooks.example.com/a", secretEnv: nil, events: [.creativeFailed, .batchCompleted]))
    }

    @Test func stepsWithoutOptionsTakeTheDocumentedDefaults() throws {
        let campaign = try CampaignFixture.load(
            Self.base + "generation: { provider: fal }\npipeline: [upscale, remove_background, crop, layout, encode]\n")
        #expect(
            campaign.pipeline.dropLast(2) == [
                .upscale(factor: 2), .removeBackground(provider: .fal, model: nil), .crop(.attention),
            ])
        guard case .layout(let template) = campaign.pipeline[3] else {
            Issue.record("the fourth step is \(campaign.pipeline[3].name)")
            return
        }
        #expect(template.name == "standard")
        #expect(campaign.pipeline[4] == .encode(format: .jpeg, quality: 85, maxKB: nil))
    }

    struct ModelCase: Sendable, CustomTestStringConvertible {
        var provider: String
        var model: String
        var accepted: Bool
        var testDescription: String { "\(provider) \(model)" }
    }

    /// The loader's model and remover rules are `ProviderFactory`'s: what one accepts the other sets up, and what
    /// one refuses the other refuses too, so `validate` never passes a campaign `run` refuses for its model.
    @Test(arguments: [
        ModelCase(provider: "local", model: "procedural-v1", accepted: true),
        ModelCase(provider: "local", model: "sdxl", accepted: false),
        ModelCase(provider: "openai", model: "gpt-image-1", accepted: true),
        ModelCase(provider: "openai", model: "gpt-image-1-2025", accepted: true),
        ModelCase(provider: "openai", model: "gpt-4o", accepted: false),
        ModelCase(provider: "replicate", model: "owner/name", accepted: true),
        ModelCase(provider: "replicate", model: "owner/name:abc", accepted: true),
        ModelCase(provider: "replicate", model: "name", accepted: false),
        ModelCase(provider: "fal", model: "fal-ai/flux/dev", accepted: true),
        ModelCase(provider: "fal", model: "flux", accepted: false),
    ])
    func modelRulesAgreeWithTheProviderFactory(_ rule: ModelCase) throws {
        let yaml = Self.base + "generation: { provider: \(rule.provider), model: \"\(rule.model)\" }\n"
        let diagnostics = try CampaignFixture.diagnostics(yaml)
        #expect((diagnostics == nil) == rule.accepted, "\(diagnostics ?? [])")
        let factory = ProviderFactory(environment: Self.credentials, httpClient: .shared)
        let made = (try? factory.provider(for: .make(rule.provider, model: rule.model))) != nil
        #expect(made == rule.accepted, "the factory sets up what loads and refuses what does not")
        if let remover = BackgroundRemovalProvider(rawValue: rule.provider) {
            #expect((remover.problem(withModel: rule.model) == nil) == rule.accepted)
            let madeRemover = (try? factory.backgroundRemover(provider: rule.provider, model: rule.model)) != nil
            #expect(madeRemover == rule.accepted, "remove_background's model follows the same rule")
        }
    }

    static let credentials = ["OPENAI_API_KEY": "k", "REPLICATE_API_TOKEN": "t", "FAL_KEY": "f"]

    @Test func onlyTheProvidersWithABackgroundRemoverAreAccepted() {
        let factory = ProviderFactory(environment: Self.credentials, httpClient: .shared)
        for provider in GenerationSettings.knownProviders {
            let made = (try? factory.backgroundRemover(provider: provider, model: nil)) != nil
            #expect(made == (BackgroundRemovalProvider(rawValue: provider) != nil), "\(provider)")
        }
    }
}
