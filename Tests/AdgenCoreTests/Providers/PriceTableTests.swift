import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

@Suite struct PriceTableTests {
    @Test func theBuiltInTableIsTheFileInPrices() throws {
        let file = try String(contentsOfFile: Repository.path("prices/prices.yaml"), encoding: .utf8)
        #expect(
            PriceTable.builtInSource + "\n" == file, "run python3 scripts/embed-prices.py after editing prices.yaml")
        #expect(PriceTable.builtIn.entries.allSatisfy { !$0.source.isEmpty && $0.date.count == 10 })
    }

    @Test func theBuiltInComfyUIWorkflowIsTheFileInTemplates() throws {
        let file = try String(
            contentsOfFile: Repository.path("templates/comfyui/default-workflow-api.json"), encoding: .utf8)
        #expect(
            ComfyUIWorkflow.defaultSource == file.trimmingCharacters(in: .newlines),
            "run python3 scripts/embed-workflows.py")
    }

    @Test(
        arguments: [
            ("openai", "gpt-image-1", 1024, 1024, ["quality": "low"], 0.011),
            ("openai", "gpt-image-1", 1536, 1024, ["quality": "medium"], 0.063),
            ("openai", "gpt-image-1", 1024, 1536, [:], 0.25),
            ("openai", "dall-e-3", 1792, 1024, ["quality": "hd"], 0.12),
            ("openai", "dall-e-3", 1024, 1024, ["quality": "standard"], 0.04),
            ("replicate", "black-forest-labs/flux-dev", 1344, 768, [:], 0.025),
            ("fal", "fal-ai/flux/schnell", 1024, 1024, [:], 0.003),
            ("fal", "fal-ai/flux/dev", 2048, 2048, [:], 0.1),
            ("comfyui", "anything.safetensors", 1024, 1024, [:], 0),
            ("local", "procedural-v1", 1024, 1024, [:], 0),
        ] as [(String, String, Int, Int, [String: String], Double)])
    func prices(
        _ provider: String, _ model: String, _ width: Int, _ height: Int, _ parameters: [String: String], _ usd: Double
    ) {
        let price = PriceTable.builtIn.price(
            provider: provider, model: model, width: width, height: height, parameters: parameters)
        #expect(
            price.map { abs($0 - usd) < 1e-9 } == true,
            "\(provider)/\(model) \(width)x\(height): \(String(describing: price))")
    }

    @Test func unknownModelsHaveNoPrice() {
        #expect(PriceTable.builtIn.price(provider: "replicate", model: "someone/unknown") == nil)
        #expect(PriceTable.builtIn.price(provider: "http", model: "x") == nil)
    }

    @Test func planEstimatesFromTheTablePerGenerationSize() throws {
        let campaign = try CampaignFixture.load(
            """
            campaign: priced
            prompt: "shoe, {warm|cool} light"
            sizes: [meta-feed, meta-story]
            generation: { provider: openai, model: gpt-image-1, parameters: { quality: medium } }
            """)
        let plan = try Planner().plan(campaign)
        // Two prompts; 1:1 (1024x1024, $0.042) and 2:3 (1024x1536, $0.063) generations each.
        #expect(plan.generations == 4)
        #expect(abs((plan.estimatedCostUSD ?? 0) - 2 * (0.042 + 0.063)) < 1e-9)
    }

    @Test func aTableWithoutAPriceIsRefused() {
        #expect(throws: (any Error).self) {
            try PriceTable(yaml: "currency: USD\nprices:\n  - { provider: x, model: y, source: s, date: 2026-01-01 }\n")
        }
    }
}

@Suite struct JSONValueTests {
    @Test func pathsAndTypedPlaceholders() throws {
        let json = try #require(JSONValue.parse(#"{"data": [{"b64_json": "AAA", "n": 18446744073709551615}]}"#))
        #expect(json.value(at: "data[0].b64_json")?.string == "AAA")
        #expect(json.value(at: "$.data.0.b64_json")?.string == "AAA")
        #expect(json.value(at: "data[0].n") == .uint(UInt64.max))
        #expect(json.value(at: "data[1]") == nil)
        #expect(JSONValue.inferred("12") == .int(12))
        #expect(JSONValue.inferred("6.5") == .double(6.5))
        #expect(JSONValue.inferred("true") == .bool(true))
        #expect(JSONValue.inferred("Euler a") == .string("Euler a"))
    }
}
