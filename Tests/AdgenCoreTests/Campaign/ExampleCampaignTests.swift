import AdgenCore
import AdgenTesting
import Foundation
import Testing

/// The campaigns shipped in `campaigns/` load, and are the kind of campaign the README promises.
@Suite struct ExampleCampaignTests {
    static let files: [String] = {
        let folder = Repository.path("campaigns")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder + "/" + $0 }
    }()

    @Test func thereAreAtLeastThreeRealisticExamples() {
        #expect(Self.files.count >= 3)
    }

    @Test(arguments: files)
    func exampleLoadsAndExpands(_ path: String) throws {
        let campaign = try CampaignLoader().load(path: path)
        #expect((3...6).contains(campaign.axes.count))
        #expect((4...8).contains(campaign.sizes.count))
        #expect(!campaign.exclude.isEmpty || !campaign.only.isEmpty)
        let first = try #require(Array(try Expander(campaign: campaign, configuration: .init(limit: 20))).first)
        #expect(!first.prompt.contains("{") && !first.prompt.contains("__"), "no template syntax left: \(first.prompt)")
        #expect(!first.prompt.contains("  "), "no double spaces: \(first.prompt)")
    }

    @Test func oneExampleSamplesAndOneUsesOnlyRules() throws {
        let campaigns = try Self.files.map { try CampaignLoader().load(path: $0) }
        #expect(campaigns.contains { $0.sample != nil })
        #expect(campaigns.contains { !$0.only.isEmpty })
    }
}
