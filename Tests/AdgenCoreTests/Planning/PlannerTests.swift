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
}
