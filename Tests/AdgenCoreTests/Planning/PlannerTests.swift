import AdgenCore
import AdgenTesting
import Testing

@Suite struct PlannerTests {
    @Test func axesOutsideThePromptShareGenerationsAndSizesShareFamilies() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write(
            "c.yaml",
            """
            campaign: plan
            axes:
              audience: [runners, hikers]
              headline: ["Run further.", "Own the trail.", "Go."]
              cta: [Shop now, Learn more]
            prompt: "shoe for {{audience}}, {warm|cool} light"
            sizes: [meta-feed, google-rda-square, meta-story, tiktok-feed, iab-leaderboard]
            generation: { seeds: 2 }
            """)
        let plan = try Planner().plan(try CampaignLoader().load(path: path))
        #expect(plan.variants == 2 * 3 * 2 * 2 * 2)
        #expect(plan.creatives == plan.variants * 5)
        #expect(plan.distinctPrompts == 2 * 2 * 2, "headline and CTA do not change the prompt")
        #expect(plan.families.map(\.name).sorted() == ["1:1", "4:1", "9:16"])
        #expect(plan.generations == plan.distinctPrompts * 3)
        #expect(plan.estimatedCostUSD == 0)
        #expect(plan.axes.first { $0.name == "headline" }?.values.map(\.count) == [16, 16, 16])
    }

    @Test func familiesAreTheGenerationSizesTheProviderSupports() throws {
        let campaign = """
            campaign: plan
            prompt: "shoe, {warm|cool} light"
            sizes: [meta-feed, meta-story, iab-leaderboard, iab-skyscraper, linkedin-landscape]
            generation: { provider: PROVIDER, model: MODEL }
            """
        func families(_ provider: String, _ model: String) throws -> [String: String] {
            let source = campaign.replacingOccurrences(of: "PROVIDER", with: provider)
                .replacingOccurrences(of: "MODEL", with: model)
            let plan = try Planner().plan(try CampaignFixture.load(source))
            #expect(plan.generations == 2 * plan.families.count)
            return Dictionary(uniqueKeysWithValues: plan.sizes.map { ($0.id, $0.family) })
        }
        // gpt-image-1 makes three sizes only: a leaderboard is cut from its widest, a story from its tallest.
        let openai = try families("openai", "gpt-image-1")
        #expect(openai["iab-leaderboard"] == "3:2" && openai["meta-story"] == "2:3" && openai["meta-feed"] == "1:1")
        let local = try families("local", "procedural-v1")
        #expect(local["iab-leaderboard"] == "4:1" && local["meta-story"] == "9:16" && local["iab-skyscraper"] == "1:3")
        let replicate = try families("replicate", "black-forest-labs/flux-schnell")
        #expect(replicate["iab-skyscraper"] == "9:21" && replicate["linkedin-landscape"] == "16:9")
        for shape in GenerationShape.supported(provider: "local", model: "procedural-v1") {
            #expect(max(shape.width, shape.height) >= 1024 && shape.width % 64 == 0 && shape.height % 64 == 0)
        }
    }
}

extension PlannerTests {
    static let ruled = """
        campaign: plan
        axes:
          audience: [runners, hikers, commuters]
          style: [photo, illustration]
          headline: ["Run further.", "Own the trail.", "Go."]
          cta: [Shop now, Learn more]
        prompt: "{{style}} shoe for {{audience}}, {warm|cool} light, {@dawn|dusk|noon}, {~mist|rain|sun}"
        exclude:
          - { audience: commuters, headline: "Own the trail." }
          - { style: illustration, cta: Learn more }
        only:
          - { audience: [runners, hikers] }
          - { headline: "Go." }
        sizes: [meta-feed, meta-story]
        generation: { seeds: 2 }
        """

    func brute(_ yaml: String) throws -> (plan: Plan, prompts: Int, perAxis: [String: [String: Int]]) {
        let campaign = try CampaignFixture.load(yaml)
        let variants = Array(try Expander(campaign: campaign))
        var perAxis = [String: [String: Int]]()
        for variant in variants {
            for axis in variant.axes { perAxis[axis.name, default: [:]][axis.value, default: 0] += 1 }
        }
        let prompts = Set(variants.map { "\($0.prompt)|\($0.seed)" }).count
        return (try Planner().plan(campaign), prompts, perAxis)
    }

    @Test(arguments: ["", "sample: { max: 40, seed: 3 }\n"])
    func countsFromStructureMatchCountingTheVariants(_ sample: String) throws {
        let (plan, prompts, perAxis) = try brute(Self.ruled + "\n" + sample)
        #expect(plan.distinctPrompts == prompts)
        for axis in plan.axes {
            for value in axis.values { #expect(value.count == perAxis[axis.name]?[value.value] ?? 0) }
        }
        #expect(plan.variants == perAxis["audience"]!.values.reduce(0, +))
    }

    @Test func samplersDoNotSplitVariantsThatDifferOnlyInHeadlineOrCTA() throws {
        let campaign = try CampaignFixture.load(Self.ruled)
        let variants = Array(try Expander(campaign: campaign))
        let byConcept = Dictionary(grouping: variants) { "\($0[axis: "audience"]!)|\($0[axis: "style"]!)|\($0.seed)" }
        for group in byConcept.values {
            #expect(Set(group.map(\.prompt)).count <= 2 * 1, "only {warm|cool} splits a concept's prompts")
        }
        #expect(Set(variants.map(\.prompt)).count > 6, "@ and ~ still vary across prompts")
    }
}
