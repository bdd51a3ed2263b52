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

    @Test func encodeSearchesTheQualityToFitTheLimitAndSaysWhenItCannot() throws {
        let campaign = try CampaignFixture.load(Self.campaign)
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let noisy = try Image.text(
            String(repeating: "fine print that does not compress well 0123456789 ", count: 60),
            font: "DejaVu Sans 11", width: 600
        ).mask
        var draft = CreativeDraft(variant: variant, size: try AdSize.resolve("600x600").get(), image: noisy)
        let unlimited = try noisy.encoded(EncodeOptions(format: .jpeg, quality: 90)).count
        let limitKB = unlimited * 6 / 10 / 1000
        try EncodeStep(format: .jpeg, quality: 90, maxKB: limitKB).apply(to: &draft, campaign: campaign)
        let encoded = try #require(draft.encoded)
        #expect(encoded.bytes.count <= limitKB * 1000)
        #expect(encoded.quality < 90 && encoded.quality >= EncodeStep.minimumQuality)
        #expect(draft.events.contains("quality-lowered"))
        do {
            try EncodeStep(format: .jpeg, quality: 90, maxKB: 1).apply(to: &draft, campaign: campaign)
            Issue.record("1 KB is impossible")
        } catch let error as EncodeStep.OverLimit {
            #expect(error.description.contains("over the 1000-byte limit"))
        }
    }

    @Test func pipelineAddsACropAndAnEncodeAndRejectsUnknownOptions() throws {
        let plain = try CampaignFixture.load(
            "campaign: p\nprompt: x\nsizes: [meta-feed]\npipeline: [ { upscale: { factor: 2 } } ]\n")
        let steps = try Pipeline(campaign: plain).steps.map(\.name)
        #expect(steps == ["upscale", "crop", "encode"])
        let bad = try CampaignFixture.load(
            "campaign: p\nprompt: x\nsizes: [meta-feed]\npipeline: [ { crop: { strategy: middle } } ]\n")
        #expect(throws: PipelineError.self) { try Pipeline(campaign: bad) }
    }
}
