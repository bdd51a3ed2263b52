import AdgenCore
import AdgenImaging
import AdgenTesting
import Testing

@Suite struct CampaignLoaderTests {
    @Test func loadsEveryKeyOfTheDesignSketch() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write(
            "assets/acme.png",
            bytes: try Image.solid(width: 40, height: 10, color: RGBA(red: 255, green: 90, blue: 31)).encoded(
                EncodeOptions(format: .png)))
        try folder.write("templates/wildcards/lighting.txt", "golden hour\nblue hour\n")
        try folder.write(
            "templates/layouts/hero.yaml",
            "layout: hero\narrangements:\n  - name: all\n    elements:\n      - headline: { box: [0, 0, 1, 0.3] }\n")
        let path = try folder.write(
            "ridge.yaml",
            """
            campaign: ridge-3-spring
            brand: { name: Acme Running, colors: ["#FF5A1F", "#1F2937", "#fff"], font: "DejaVu Sans Bold", logo: assets/acme.png }
            brief: { product: 'trail running shoe "Ridge 3"', offer: "20% off this week" }
            axes:
              audience: [trail runners, city commuters, weekend hikers]
              style: [photoreal product shot, bold flat illustration, cinematic lifestyle]
              headline: ["Run further.", "Own the trail."]
              cta: [Shop now, Get 20% off]
            prompt: "{{style}} of {{brief.product}} for {{audience}}, {warm|cool} palette, __lighting__"
            exclude: [ { audience: city commuters, style: cinematic lifestyle } ]
            sample: { max: 200, seed: 42 }
            sizes: [meta-feed, meta-story, iab-mrec, iab-leaderboard, linkedin-landscape]
            generation: { provider: local, model: procedural-v1, seeds: 1, concurrency: 8, max_cost_usd: 25 }
            pipeline: [ { upscale: { factor: 2 } }, { layout: templates/layouts/hero.yaml }, { encode: { format: jpeg, quality: 85 } } ]
            scoring: { min_score: 0.6 }
            export:
              - folder: out
              - webhook: { url: "https://hooks.example.com/adgen", secret_env: ADGEN_WEBHOOK_SECRET }
            """)
        let campaign = try CampaignLoader().load(path: path)
        #expect(campaign.name == "ridge-3-spring")
        #expect(campaign.brand.colors == ["#FF5A1F", "#1F2937", "#FFFFFF"])
        #expect(campaign.brand.logo == folder.path + "/assets/acme.png")
        #expect(campaign.axes.map(\.name) == ["audience", "style", "headline", "cta"])
        #expect(campaign.exclude.count == 1)
        #expect(campaign.sample == Sample(max: 200, seed: 42))
        #expect(
            campaign.sizes.map(\.id) == [
                "meta-feed", "meta-story", "iab-mrec", "iab-leaderboard", "linkedin-landscape",
            ])
        #expect(campaign.generation.maxCostUSD == 25)
        #expect(campaign.pipeline.map(\.name) == ["upscale", "layout", "encode"])
        #expect(campaign.pipeline.first == .upscale(factor: 2))
        guard case .layout(let layout) = campaign.pipeline[1] else {
            Issue.record("the second step is \(campaign.pipeline[1].name), not the layout")
            return
        }
        #expect(layout.name == "hero")
        #expect(layout.file.hasSuffix("templates/layouts/hero.yaml"))
        #expect(campaign.pipeline.last == .encode(format: .jpeg, quality: 85, maxKB: nil))
        #expect(campaign.export.first == .folder(folder.path + "/out"))
        let variants = Array(try Expander(campaign: campaign))
        #expect(variants.count == 3 * 3 * 2 * 2 * 2 * 2 - 16, "the sample (200) is larger than what the rule leaves")
        #expect(variants.allSatisfy { $0.prompt.hasSuffix("golden hour") || $0.prompt.hasSuffix("blue hour") })
        #expect(
            variants.allSatisfy {
                !($0[axis: "audience"] == "city commuters" && $0[axis: "style"] == "cinematic lifestyle")
            })
    }

    /// The column of the first occurrence of `needle` on 1-based line `line` of `text`.
    func column(of needle: String, line: Int, in text: String) -> Int {
        let lineText = text.split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
        return lineText.distance(from: lineText.startIndex, to: lineText.range(of: needle)!.lowerBound) + 1
    }

    @Test(arguments: [
        "prompt: \"a {{stlye}} shot\"",
        "prompt: 'a {{stlye}} shot'",
        "prompt: a {{stlye}} shot",
        "prompt: \"it\\u0027s a {{stlye}} shot\"",
        "prompt: 'it''s a {{stlye}} shot'",
    ])
    func templateErrorsPointAtTheTemplatesColumnInTheYAML(_ promptLine: String) throws {
        let yaml = "campaign: c\naxes: { style: [photo] }\n\(promptLine)\nsizes: [meta-feed]\n"
        let diagnostic = try #require(try CampaignFixture.diagnostics(yaml)?.first)
        #expect(diagnostic.location.line == 3)
        #expect(diagnostic.location.column == column(of: "stlye", line: 3, in: yaml))
        #expect(diagnostic.hint?.contains("'style'") == true)
    }

    @Test func templateErrorsInsideABlockScalarPointAtTheirLine() throws {
        let yaml = """
            campaign: c
            axes: { style: [photo] }
            prompt: |
              a {{style}} shot,
              in {{stlye}} light
            sizes: [meta-feed]
            """
        let diagnostic = try #require(try CampaignFixture.diagnostics(yaml)?.first)
        #expect(diagnostic.location.line == 5)
        #expect(diagnostic.location.column == 8)
    }

    static let promptFileCampaign = """
        campaign: c
        brief: { product: shoe }
        axes: { style: [photo] }
        prompt_file: prompts/hero.txt
        sizes: [meta-feed]
        """

    @Test func promptFileErrorsPointIntoThatFile() throws {
        let files = ["prompts/hero.txt": "# hero prompt\n{{style}} shot of\n  {{brief.prodcut}}\n"]
        let diagnostic = try #require(try CampaignFixture.diagnostics(Self.promptFileCampaign, files: files)?.first)
        #expect(diagnostic.location.file == "prompts/hero.txt")
        #expect(diagnostic.location.line == 3)
        #expect(diagnostic.location.column == 5)
    }

    @Test func promptFileIsOnePromptWithoutItsCommentLinesAndFinalNewline() throws {
        let files = ["prompts/hero.txt": "# hero prompt\n\n{{style}} shot of {{brief.product}}\n\n"]
        let campaign = try CampaignFixture.load(Self.promptFileCampaign, files: files)
        #expect(Array(try Expander(campaign: campaign)).map(\.prompt) == ["photo shot of shoe"])
    }

    @Test func everyProblemOfATemplateIsReported() throws {
        let yaml =
            "campaign: c\naxes: { style: [photo] }\nprompt: \"{{styel}} and __nope__ in ${tone}\"\nsizes: [meta-feed]\n"
        let diagnostics = try #require(try CampaignFixture.diagnostics(yaml))
        #expect(diagnostics.map(\.location.column) == [12, 24, 36])
    }

    @Test func aTemplateWithNoExpansionIsNamedAsSuch() throws {
        let diagnostics = try #require(
            try CampaignFixture.diagnostics("campaign: c\nprompt: \"{2$$x|x}\"\nsizes: [meta-feed]\n"))
        #expect(diagnostics.first?.message.contains("expands to no prompt") == true)
        #expect(diagnostics.first?.location.line == 2)
    }
}
