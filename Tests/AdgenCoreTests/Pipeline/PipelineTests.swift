import AdgenCore
import AdgenImaging
import AdgenTesting
import Foundation
import Testing

@Suite struct PipelineTests {
    static let campaign = """
        campaign: pipeline
        brand: { name: Acme Running, colors: ["#FF5A1F", "#1F2937"] }
        brief: { product: trail shoe }
        axes:
          headline: ["Own the trail.", "Run further, every weekend, on every kind of mountain path."]
          cta: [Shop now]
        prompt: "photoreal product shot of a trail running shoe, warm light"
        sizes: [meta-feed, meta-story, iab-leaderboard, iab-skyscraper, iab-mrec, 320x50]
        pipeline:
          - crop: { strategy: attention }
          - layout
          - encode: { format: jpeg, quality: 85 }
        """

    @Test func everyCreativeIsWrittenAtItsExactSizeUnderItsByteLimitAndTheSameTwice() async throws {
        let campaign = try CampaignFixture.load(Self.campaign)
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        defer {
            first.remove()
            second.remove()
        }
        let outputs = try await PreviewRenderer(configuration: .init(output: first.path, limit: 10)).render(campaign)
        #expect(outputs.count == 2 * campaign.sizes.count)
        for output in outputs {
            let path = try #require(output.path, "\(output.size.id): \(output.failure ?? "")")
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let image = try Image.decode([UInt8](bytes))
            #expect((image.width, image.height) == (output.size.width, output.size.height), "\(output.size.id)")
            if let limit = output.size.maxBytes {
                #expect(bytes.count <= limit, "\(output.size.id): \(bytes.count) bytes")
            }
            #expect(path.hasSuffix("/\(output.size.id)/\(output.creativeID).jpg"))
        }
        let again = try await PreviewRenderer(configuration: .init(output: second.path, limit: 1)).render(campaign)
        for output in again {
            let twin = try #require(outputs.first { $0.creativeID == output.creativeID })
            #expect(
                FileManager.default.contents(atPath: output.path ?? "")
                    == FileManager.default.contents(atPath: twin.path ?? ""))
        }
    }

    @Test func encodeSearchesTheQualityToFitTheLimitAndSaysWhenItCannot() async throws {
        let campaign = try CampaignFixture.load(Self.campaign)
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let noisy = try Image.text(
            String(repeating: "fine print that does not compress well 0123456789 ", count: 60),
            font: "DejaVu Sans 11", width: 600
        ).mask
        var draft = CreativeDraft(variant: variant, size: try AdSize.resolve("600x600").get(), image: noisy)
        let unlimited = try noisy.encoded(EncodeOptions(format: .jpeg, quality: 90)).count
        let limitKB = unlimited * 6 / 10 / 1000
        try await EncodeStep(format: .jpeg, quality: 90, maxKB: limitKB).apply(to: &draft, campaign: campaign)
        let encoded = try #require(draft.encoded)
        #expect(encoded.bytes.count <= limitKB * 1000)
        #expect(encoded.quality < 90 && encoded.quality >= EncodeStep.minimumQuality)
        #expect(draft.events.contains("quality-lowered"))
        do {
            try await EncodeStep(format: .jpeg, quality: 90, maxKB: 1).apply(to: &draft, campaign: campaign)
            Issue.record("1 KB is impossible")
        } catch let error as EncodeStep.OverLimit {
            #expect(error.description.contains("over the 1000-byte limit"))
        }
    }

    @Test func pipelineAddsACropAndAnEncodeAndFoldsTheUpscaleBeforeTheCrop() throws {
        let plain = try CampaignFixture.load(
            "campaign: p\nprompt: x\nsizes: [meta-feed]\npipeline: [ { upscale: { factor: 2 } } ]\n")
        // The upscale only fed the crop's resize: it is folded into it.
        let steps = try Pipeline(campaign: plain).steps.map(\.name)
        #expect(steps == ["crop", "encode"])
        let separate = try CampaignFixture.load(
            """
            campaign: p
            prompt: x
            sizes: [meta-feed]
            pipeline: [ { upscale: 2 }, { remove_background: { provider: replicate } }, crop, layout ]
            """)
        let kept = try Pipeline(campaign: separate, backgroundRemovers: ["replicate": DiscRemover()]).steps
        #expect(kept.map(\.name) == ["upscale", "remove_background", "crop", "layout", "encode"])
        #expect((kept[0] as? UpscaleStep)?.factor == 2)
        let encode = try #require(kept.last as? EncodeStep)
        #expect((encode.format, encode.quality, encode.maxKB) == (.jpeg, 85, nil), "the default encode")
    }

    @Test func everyTypedOptionReachesItsStep() throws {
        let campaign = try CampaignFixture.load(
            """
            campaign: p
            prompt: x
            sizes: [meta-feed]
            pipeline:
              - upscale: 1.5
              - remove_background: { provider: replicate }
              - crop: entropy
              - layout
              - encode: { format: webp, quality: 70, max_kb: 120 }
            """)
        let steps = try Pipeline(campaign: campaign, backgroundRemovers: ["replicate": DiscRemover()]).steps
        #expect(steps.map(\.name) == ["upscale", "remove_background", "crop", "layout", "encode"])
        #expect((steps[0] as? UpscaleStep)?.factor == 1.5)
        #expect((steps[2] as? CropStep)?.strategy == .entropy)
        let encode = try #require(steps.last as? EncodeStep)
        #expect((encode.format, encode.quality, encode.maxKB) == (.webp, 70, 120))
    }
}

/// Keeps a centred disc and clears the rest: a stand-in with a known answer for the remote models that serve
/// `remove_background` once the provider adapters exist.
struct DiscRemover: BackgroundRemover {
    let id = "disc"
    var wrongSize = false

    func removeBackground(from image: Image) async throws -> Image {
        let (width, height) = wrongSize ? (image.width / 2, image.height) : (image.width, image.height)
        let disc = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)">\
            <circle cx="\(width / 2)" cy="\(height / 2)" r="\(min(width, height) / 4)" fill="#FF0000"/></svg>
            """)
        return disc
    }
}

extension PipelineTests {
    @Test func removeBackgroundSetsTheCutOutOnTheBrandsLightColourAndNeedsARemoverSetUp() async throws {
        let source = """
            campaign: p
            brand: { name: Acme, colors: ["#FF5A1F", "#1F2937", "#F5F1E8"] }
            prompt: x
            sizes: [meta-feed]
            generation: { provider: replicate }
            pipeline: [remove_background, { encode: png }]
            """
        let campaign = try CampaignFixture.load(source)
        #expect {
            try Pipeline(campaign: campaign)
        } throws: { error in
            let error = error as? PipelineError
            return error?.isSetup == true
                && error?.message.contains("needs a background remover for provider 'replicate'") == true
        }
        let pipeline = try Pipeline(campaign: campaign, backgroundRemovers: ["replicate": DiscRemover()])
        #expect(pipeline.steps.map(\.name) == ["remove_background", "crop", "encode"])
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let photo = try Image.solid(width: 400, height: 400, color: RGBA(red: 0, green: 90, blue: 200))
        var draft = CreativeDraft(variant: variant, size: try AdSize.resolve("meta-feed").get(), image: photo)
        try await RemoveBackgroundStep(remover: DiscRemover()).apply(to: &draft, campaign: campaign)
        #expect(!draft.image.hasAlpha)
        let corner = try draft.image.cropped(x: 0, y: 0, width: 10, height: 10).statistics()
        #expect(corner.prefix(3).map { Int($0.mean.rounded()) } == [0xF5, 0xF1, 0xE8], "the brand's light colour")
        let centre = try draft.image.cropped(x: 195, y: 195, width: 10, height: 10).statistics()
        #expect(centre.prefix(3).map { Int($0.mean.rounded()) } == [255, 0, 0], "the subject")
        await #expect {
            try await RemoveBackgroundStep(remover: DiscRemover(wrongSize: true)).apply(to: &draft, campaign: campaign)
        } throws: { error in
            (error as? PipelineError)?.isSetup == false
        }
    }
}

extension PipelineTests {
    @Test func renderScoresEveryCreativeAndAppliesMinScore() async throws {
        let flagged = try CampaignFixture.load(Self.campaign + "\nscoring: { min_score: 1.0, below_min: flag }\n")
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let outputs = try await PreviewRenderer(configuration: .init(output: folder.path, limit: 1)).render(flagged)
        let lines = try String(contentsOfFile: folder.path + "/scores.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == outputs.count)
        #expect(outputs.contains { ($0.scorecard?.total ?? 1) < 1 }, "some creative is imperfect")
        for output in outputs {
            let card = try #require(output.scorecard)
            #expect(card.tags.contains("below-min-score") == (card.total < 1), "\(output.size.id): \(card.total)")
            #expect(output.path != nil, "flagged creatives are kept")
            #expect(card.tags.contains("size:\(output.size.id)") && card.tags.contains("provider:local"))
            #expect(card.tags.contains("headline:\(output.variant[axis: "headline"] ?? "")"))
            #expect(card[check: "spec"]?.passed == true)
        }

        let dropping = try CampaignFixture.load(Self.campaign + "\nscoring: { min_score: 1.0, below_min: drop }\n")
        let second = try TemporaryDirectory()
        defer { second.remove() }
        let rendered = try await PreviewRenderer(configuration: .init(output: second.path, limit: 1)).render(dropping)
        for output in rendered {
            let total = try #require(output.scorecard?.total)
            let file = "\(second.path)/\(output.size.id)/\(output.creativeID).jpg"
            if total < 1 {
                #expect(output.path == nil && output.dropped?.contains("below min_score 1.00") == true)
                #expect(!FileManager.default.fileExists(atPath: file), "a dropped creative's file is removed")
            } else {
                #expect(output.path == file && FileManager.default.fileExists(atPath: file))
            }
        }
    }
}
