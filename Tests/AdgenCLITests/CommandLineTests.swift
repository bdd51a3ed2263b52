import AdgenTesting
import Foundation
import Testing

/// `adgen` run as a process, as scripts and people use it: output formats, exit codes, streaming.
@Suite struct CommandLineTests {
    static let campaign = """
        campaign: cli
        brand: { name: Acme }
        brief: { product: Ridge 3 }
        axes:
          audience: [trail runners, hikers]
          headline: ["Run further.", "Own the trail."]
        prompt: "photo of {{brief.product}} for {{audience}}, {warm|cool} light"
        sizes: [meta-feed, iab-mrec, 1080x1920]
        generation: { seeds: [7, 9] }
        """

    @Test func validatePrintsCountsAndExitsZero() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("cli.yaml", Self.campaign)
        let result = try await AdgenProcess.run(["validate", "cli.yaml"], in: folder.path)
        #expect(result.status == 0)
        #expect(result.standardOutput == "ok cli.yaml: 16 variants × 3 sizes\n")
    }

    @Test func validateReportsEveryBadFileWithPositionsAndExits65() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("good.yaml", Self.campaign)
        try folder.write("bad/typo.yaml", Self.campaign.replacingOccurrences(of: "{{audience}}", with: "{{audince}}"))
        let result = try await AdgenProcess.run(["validate", "good.yaml", "bad/typo.yaml"], in: folder.path)
        #expect(result.status == 65)
        #expect(result.standardOutput.contains("ok good.yaml: 16 variants × 3 sizes"))
        #expect(
            result.standardError.hasPrefix(
                "bad/typo.yaml:7:43: error: in prompt: unknown axis 'audince'; did you mean 'audience'?"),
            "\(result.standardError)")
    }

    @Test func expandPrintsOneJSONObjectPerVariant() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("cli.yaml", Self.campaign)
        let result = try await AdgenProcess.run(["expand", "cli.yaml"], in: folder.path)
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 16)
        let objects = try lines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let first = objects[0]
        #expect(first["prompt"] as? String == "photo of Ridge 3 for trail runners, warm light")
        #expect(first["axes"] as? [String: String] == ["audience": "trail runners", "headline": "Run further."])
        #expect(first["seed"] as? Int == 7)
        #expect((first["id"] as? String)?.count == 12)
        let sizes = try #require(first["sizes"] as? [[String: Any]])
        #expect(sizes.map { $0["id"] as? String } == ["meta-feed", "iab-mrec", "1080x1920"])
        #expect(sizes.last?["width"] as? Int == 1080)
        #expect(Set(objects.compactMap { $0["id"] as? String }).count == 16)

        let again = try await AdgenProcess.run(["expand", "cli.yaml"], in: folder.path)
        #expect(again.standardOutput == result.standardOutput, "the same campaign expands to the same bytes")
        let text = try await AdgenProcess.run(
            ["expand", "cli.yaml", "--format", "text", "--offset", "1", "--limit", "2"], in: folder.path)
        #expect(
            text.standardOutput
                == "photo of Ridge 3 for trail runners, warm light\nphoto of Ridge 3 for trail runners, cool light\n")
    }

    @Test func expandTemplateUsesTheWildcardFolder() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("w/light.txt", "neon\nsoft\n")
        let result = try await AdgenProcess.run(
            ["expand", "--template", "{2$$a|b} __light__", "--wildcards", "w", "--limit", "3"], in: folder.path)
        #expect(result.status == 0)
        #expect(result.standardOutput == "a,b neon\na,b soft\nb,a neon\n")
        let broken = try await AdgenProcess.run(["expand", "--template", "x {a|b"], in: folder.path)
        #expect(broken.status == 65)
        #expect(broken.standardError.hasPrefix("<template>:1:3: error: this '{' is never closed"))
    }

    @Test func tenMillionVariantExpandStreamsFromTheFirstLine() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var yaml = "campaign: ten-million\nmax_variants: 10000000\naxes:\n"
        for axis in 0..<7 { yaml += "  a\(axis): [\((0..<10).map { "v\($0)" }.joined(separator: ", "))]\n" }
        yaml += "prompt: \"{{a0}} {{a1}} {{a2}} {{a3}} {{a4}} {{a5}} {{a6}}\"\nsizes: [meta-feed]\n"
        try folder.write("big.yaml", yaml)
        let (line, stillRunning) = try AdgenProcess.firstLine(
            ["expand", "big.yaml", "--format", "text"], in: folder.path)
        #expect(line == "v0 v0 v0 v0 v0 v0 v0")
        #expect(stillRunning, "the first variant is printed while the other 9,999,999 are still being made")
    }

    @Test func planReportsVariantsCreativesAndGenerations() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("cli.yaml", Self.campaign)
        let result = try await AdgenProcess.run(["plan", "cli.yaml", "--json"], in: folder.path)
        #expect(result.status == 0)
        let plan = try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(plan["variants"] as? Int == 16)
        #expect(plan["creatives"] as? Int == 48)
        // 2 audiences × 2 lights × 2 seeds = 8 distinct prompts (headlines share them), in 1:1 and 9:16.
        #expect(plan["distinct_prompts"] as? Int == 8)
        #expect(plan["generations"] as? Int == 8 * 2)
        let text = try await AdgenProcess.run(["plan", "cli.yaml"], in: folder.path)
        #expect(text.standardOutput.contains("creatives    48"))
    }

    @Test func sizesListsEveryPreset() async throws {
        let result = try await AdgenProcess.run(["sizes"])
        #expect(result.status == 0)
        for id in ["iab-mrec", "iab-leaderboard", "meta-story", "google-rda-landscape", "tiktok-feed"] {
            #expect(result.standardOutput.contains(id))
        }
        #expect(result.standardOutput.contains("250/0/340/0"))
    }

    @Test func renderWritesEveryCreativeItCanAndNamesTheOnesThatFailWithExit3() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        // 8 KB holds a 320x50 JPEG, never a 1200x1200 one.
        try folder.write(
            "cli.yaml",
            Self.campaign.replacingOccurrences(
                of: "sizes: [meta-feed, iab-mrec, 1080x1920]", with: "sizes: [320x50, 1200x1200]")
                + "\npipeline: [layout, { encode: { format: jpeg, quality: 85, max_kb: 8 } }]\n")
        let result = try await AdgenProcess.run(
            ["render", "cli.yaml", "--out", "out", "--limit", "2"], in: folder.path)
        #expect(result.status == 3, "\(result.standardError)")
        #expect(result.standardError.contains("rendered 2 creatives of 2 variants"))
        #expect(result.standardError.contains("2 failed:"))
        #expect(result.standardError.contains("1200x1200/"))
        #expect(result.standardError.contains("over the 8000-byte limit"))
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out/320x50")
        #expect(written.count == 2 && written.allSatisfy { $0.hasSuffix(".jpg") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out/1200x1200").isEmpty)
    }

    @Test func scorePrintsOneJSONObjectPerImageAndAnErrorForAnUnreadableOne() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("cli.yaml", Self.campaign)
        let rendered = try await AdgenProcess.run(
            ["render", "cli.yaml", "--out", "out", "--limit", "2"], in: folder.path)
        #expect(rendered.status == 0, "\(rendered.standardError)")
        // render scored every creative on its way out.
        let lines = try String(contentsOfFile: folder.path + "/out/scores.jsonl", encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 2 * 3)
        let images = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out/meta-feed").sorted()
        try folder.write("broken.png", "not an image")
        let result = try await AdgenProcess.run(
            ["score"] + images.map { "out/meta-feed/\($0)" } + ["broken.png", "--size", "meta-feed", "--json"],
            in: folder.path)
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("broken.png: error: "), "\(result.standardError)")
        let objects = try result.standardOutput.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == images.count)
        for object in objects {
            let phash = try #require(object["phash"] as? String)
            #expect(phash.count == 16 && phash.allSatisfy(\.isHexDigit))
            let scores = try #require(object["scores"] as? [String: Double])
            #expect(Set(scores.keys) == ["spec", "sharpness", "colourfulness", "novelty"])
            #expect((object["total"] as? Double).map { (0...1).contains($0) } == true)
            #expect((object["tags"] as? [String])?.contains("size:meta-feed") == true)
            let checks = try #require(object["checks"] as? [[String: Any]])
            let legibility = try #require(checks.first { $0["name"] as? String == "legibility" })
            #expect((legibility["reason"] as? String)?.contains("text checks skipped") == true)
        }
    }

    @Test func fontsListsTheInstalledFamilies() async throws {
        let result = try await AdgenProcess.run(["fonts"])
        #expect(result.status == 0)
        #expect(result.standardOutput.split(separator: "\n").contains("DejaVu Sans"))
    }

    @Test func usageErrorsExit64() async throws {
        let result = try await AdgenProcess.run(["expand"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("give either a campaign FILE or --template TEXT"))
    }
}
