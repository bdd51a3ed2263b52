import AdgenCore
import AdgenTesting
import Crypto
import Foundation
import Testing

@Suite struct ExpansionTests {
    static let base = """
        campaign: expansion
        brand: { name: Acme }
        brief: { product: Ridge 3 }
        axes:
          audience: [trail runners, city commuters, weekend hikers]
          style: [photo, illustration, cinematic]
          headline: ["Run further.", "Own the trail."]
          cta: [Shop now, Get 20% off]
        prompt: "{{style}} of {{brief.product}} for {{audience}}, {warm|cool} palette"
        sizes: [meta-feed, iab-mrec, meta-story]
        """

    func campaign(_ yaml: String) throws -> Campaign { try CampaignFixture.load(yaml) }

    func variants(_ campaign: Campaign, offset: UInt64 = 0, limit: UInt64? = nil) throws -> [Variant] {
        Array(try Expander(campaign: campaign, configuration: .init(offset: offset, limit: limit)))
    }

    @Test func productOfAxesTemplateAndSeeds() throws {
        let all = try variants(try campaign(Self.base + "\ngeneration: { seeds: 2 }\n"))
        #expect(all.count == 3 * 3 * 2 * 2 * 2 * 2)
        #expect(Set(all.map(\.id)).count == all.count, "ids are distinct")
        #expect(Set(all.map { "\($0.prompt)|\($0.axes)|\($0.seed)" }).count == all.count)
        #expect(Set(all.map(\.seed)) == [1, 2])
        let first = try #require(all.first)
        #expect(first.prompt == "photo of Ridge 3 for trail runners, warm palette")
        #expect(first.sizes.map(\.id) == ["meta-feed", "iab-mrec", "meta-story"])
    }

    @Test func excludeAndOnlyRulesMatchAFilteredProduct() throws {
        let rules = """

            exclude:
              - { audience: city commuters, style: cinematic }
              - { headline: "Own the trail.", cta: [Shop now] }
            only:
              - { audience: [trail runners, city commuters] }
              - { style: photo }
            """
        let filtered = try variants(try campaign(Self.base + rules))
        let everything = try variants(try campaign(Self.base))
        let expected = everything.filter { variant in
            let audience = variant[axis: "audience"]!
            let style = variant[axis: "style"]!
            let kept = audience == "trail runners" || audience == "city commuters" || style == "photo"
            let dropped =
                (audience == "city commuters" && style == "cinematic")
                || (variant[axis: "headline"] == "Own the trail." && variant[axis: "cta"] == "Shop now")
            return kept && !dropped
        }
        #expect(Set(filtered.map(\.id)) == Set(expected.map(\.id)))
        #expect(filtered.count == expected.count)
        #expect(try Expander(campaign: try campaign(Self.base + rules)).count == UInt64(expected.count))
    }

    @Test func offsetAndLimitSliceTheSequence() throws {
        let source = try campaign(Self.base)
        let all = try variants(source)
        #expect(try variants(source, offset: 10, limit: 5).map(\.id) == all[10..<15].map(\.id))
        #expect(try variants(source, offset: UInt64(all.count) - 2, limit: 10).count == 2)
        #expect(try variants(source, offset: UInt64(all.count) + 5).isEmpty)
    }

    @Test func idIsSHA256OfTheDocumentedEncodingAndIgnoresKeyOrder() throws {
        let reordered = """
            sizes: [meta-feed, iab-mrec, meta-story]
            prompt: "{{style}} of {{brief.product}} for {{audience}}, {warm|cool} palette"
            axes:
              style: [photo, illustration, cinematic]
              cta: [Shop now, Get 20% off]
              audience: [trail runners, city commuters, weekend hikers]
              headline: ["Run further.", "Own the trail."]
            brief: { product: Ridge 3 }
            brand: { name: Acme }
            campaign: expansion
            """
        let a = Dictionary(uniqueKeysWithValues: try variants(try campaign(Self.base)).map { ($0.id, $0) })
        let b = try variants(try campaign(reordered))
        #expect(b.count == a.count)
        for variant in b {
            let twin = try #require(a[variant.id])
            #expect(twin.prompt == variant.prompt)
            #expect(Set(twin.axes) == Set(variant.axes))
        }
        // Recompute one id from the encoding documented in docs/campaign-format.md.
        let variant = b[7]
        var bytes = Array("adgen-variant-1".utf8)
        func field(_ kind: Character, _ text: String) {
            bytes.append(kind.asciiValue!)
            withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian) { bytes += $0 }
            bytes += text.utf8
        }
        field("p", variant.prompt)
        for axis in variant.axes.sorted(by: { $0.name < $1.name }) {
            field("a", axis.name)
            field("v", axis.value)
        }
        field("s", String(variant.seed))
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(variant.id == String(digest.prefix(12)))
    }

    @Test func sampleDrawsADistinctReproducibleSubsetWithoutEnumerating() throws {
        var yaml = "campaign: huge\nmax_variants: 1000\nsample: { max: 500, seed: 7 }\naxes:\n"
        for axis in 0..<6 { yaml += "  a\(axis): [\((0..<100).map { "v\($0)" }.joined(separator: ", "))]\n" }
        yaml += "prompt: \"{{a0}} {{a1}} {{a2}} {{a3}} {{a4}} {{a5}}\"\nsizes: [meta-feed]\n"
        let source = try campaign(yaml)
        let first = try variants(source)
        #expect(try Expander(campaign: source).space.count == 1_000_000_000_000)
        #expect(first.count == 500)
        #expect(Set(first.map(\.id)).count == 500)
        #expect(first.map(\.index) == first.map(\.index).sorted(), "sampled variants keep the space's order")
        #expect(try variants(source).map(\.id) == first.map(\.id), "the same seed draws the same subset")
        let other = try variants(try campaign(yaml.replacingOccurrences(of: "seed: 7", with: "seed: 8")))
        #expect(Set(other.map(\.id)) != Set(first.map(\.id)))
        // Uniform: the first axis's 100 values each appear about 5 times; none should take a large share.
        let counts = Dictionary(grouping: first, by: { $0[axis: "a0"]! }).mapValues(\.count)
        #expect(counts.count > 80)
        #expect(counts.values.max()! < 20)
    }

    @Test func sampleLargerThanTheSpaceKeepsEverything() throws {
        let source = try campaign(Self.base + "\nsample: { max: 100000, seed: 1 }\n")
        #expect(try variants(source).count == 3 * 3 * 2 * 2 * 2)
    }

    @Test func rulesOnlyEnumerateTheirOwnAxes() throws {
        // 10^9 variants with a rule over two small axes: built instantly, counted exactly.
        var yaml = "campaign: big\nmax_variants: 2000000000\naxes:\n"
        for axis in 0..<9 { yaml += "  a\(axis): [\((0..<10).map { "v\($0)" }.joined(separator: ", "))]\n" }
        yaml += "exclude:\n  - { a0: v0, a8: [v1, v2] }\n"
        yaml += "prompt: \"{{a0}} {{a8}}\"\nsizes: [meta-feed]\n"
        let expander = try Expander(campaign: try campaign(yaml))
        #expect(expander.count == 1_000_000_000 - 2 * 10_000_000)
        let firstTen = Array(expander.prefix(10))
        #expect(firstTen.count == 10)
        #expect(!firstTen.contains { $0[axis: "a0"] == "v0" && ["v1", "v2"].contains($0[axis: "a8"]!) })
    }
}
