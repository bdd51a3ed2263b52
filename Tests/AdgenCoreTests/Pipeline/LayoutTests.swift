import AdgenCore
import AdgenImaging
import AdgenTesting
import Foundation
import Testing

@Suite struct LayoutTests {
    /// A campaign whose copy is set by the layout under test; `LAYOUT` and `LOGO` are filled in per test.
    static func campaign(layout: String = "", logo: String = "", headline: String = "Own the trail.") -> String {
        """
        campaign: layout
        brand: { name: Acme Running, colors: ["#FF5A1F", "#1F2937", "#F5F1E8"]\(logo) }
        brief: { product: trail shoe, offer: 20% off launch week, cta: Shop now, headline: "\(headline)" }
        prompt: "photoreal product shot of a trail running shoe, warm light"
        sizes: [meta-feed, meta-story, iab-leaderboard, iab-skyscraper, iab-mrec, 320x50, linkedin-landscape]
        pipeline:
          - layout\(layout)
        """
    }

    /// Paints, crops and lays out the campaign's first variant at `size`.
    static func laidOut(_ campaign: Campaign, size: AdSize) async throws -> CreativeDraft {
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let painted = try Image.decode(
            LocalProvider().paint(
                GenerationRequest(prompt: variant.prompt, seed: 1, width: 1024, height: 1024, model: "procedural-v1")
            ).bytes)
        var draft = CreativeDraft(variant: variant, size: size, image: painted)
        let pipeline = try Pipeline(campaign: campaign)
        for step in pipeline.steps where !(step is EncodeStep) { try await step.apply(to: &draft, campaign: campaign) }
        return draft
    }

    @Test func theBuiltInStandardLayoutIsTheFileInTemplates() throws {
        let file = try String(contentsOfFile: Repository.path("templates/layouts/standard.yaml"), encoding: .utf8)
        let builtIn = try #require(LayoutTemplate.builtInSources["standard"])
        #expect(builtIn + "\n" == file, "run python3 scripts/embed-layouts.py after editing standard.yaml")
        let template = try #require(LayoutTemplate.builtIn(named: "standard"))
        #expect(
            template.arrangements.map(\.name) == [
                "row", "billboard", "landscape", "landscape-right", "stack", "rectangle", "panel",
            ])
    }

    @Test(arguments: [
        ("iab-leaderboard", "row"), ("320x50", "row"), ("iab-billboard", "billboard"),
        ("linkedin-landscape", "landscape"),
        ("iab-skyscraper", "stack"), ("meta-story", "panel"), ("meta-feed", "panel"), ("iab-mrec", "rectangle"),
    ])
    func eachSizeGetsTheArrangementForItsShape(_ sizeID: String, _ arrangement: String) throws {
        let size = try AdSize.resolve(sizeID).get()
        let template = try #require(LayoutTemplate.builtIn(named: "standard"))
        #expect(template.arrangement(width: size.width, height: size.height).name == arrangement)
    }

    @Test(arguments: [
        "meta-story", "iab-leaderboard", "iab-skyscraper", "320x50", "iab-mrec", "linkedin-landscape", "iab-billboard",
    ])
    func everyBoxStaysInsideTheSafeZoneAndTheLogoKeepsItsProportions(_ sizeID: String) async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        // A 4:1 logo: squeezed into a box of another shape, its drawn box would not be 4:1.
        let logo = try folder.write(
            "logo.svg",
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="800" height="200"><rect width="800" height="200" \
            rx="40" fill="#FFFFFF"/></svg>
            """)
        let file = try folder.write("c.yaml", Self.campaign(logo: ", logo: \(logo)"))
        let campaign = try CampaignLoader().load(path: file)
        let size = try AdSize.resolve(sizeID).get()
        let draft = try await Self.laidOut(campaign, size: size)
        #expect((draft.image.width, draft.image.height) == (size.width, size.height))
        let roles = Set(draft.boxes.map(\.role))
        #expect(roles.isSuperset(of: ["headline", "cta", "logo"]), "\(roles)")
        for box in draft.boxes where box.role != "bar" {
            #expect(box.x >= size.safeZone.left && box.y >= size.safeZone.top, "\(box.role) at \(box.x),\(box.y)")
            #expect(box.x + box.width <= size.width - size.safeZone.right, "\(box.role) right edge")
            #expect(box.y + box.height <= size.height - size.safeZone.bottom, "\(box.role) bottom edge")
        }
        let logoBox = try #require(draft.boxes.first { $0.role == "logo" })
        let aspect = Double(logoBox.width) / Double(logoBox.height)
        let tolerance = 8 / Double(logoBox.height) + 0.05
        #expect(abs(aspect - 4) < tolerance, "the logo is drawn at \(logoBox.width)×\(logoBox.height)")
        // Boxes of text never overlap each other or the button.
        let solid = draft.boxes.filter { ["headline", "offer", "cta", "logo", "brand"].contains($0.role) }
        for (i, a) in solid.enumerated() {
            for b in solid[(i + 1)...] {
                let overlaps =
                    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
                #expect(!overlaps, "\(a.role) overlaps \(b.role) at \(sizeID)")
            }
        }
    }

    @Test func textThatCannotFitShrinksToItsFloorThenEndsInAnEllipsisAndIsTagged() async throws {
        let long = String(repeating: "Run further on every mountain path this spring ", count: 6)
        let campaign = try CampaignFixture.load(Self.campaign(headline: long))
        for sizeID in ["iab-mrec", "320x50"] {
            let draft = try await Self.laidOut(campaign, size: try AdSize.resolve(sizeID).get())
            #expect(draft.events.contains("text-truncated"), "\(sizeID): \(draft.events)")
            #expect(draft.events.contains("text-shrunk"))
            let headline = try #require(draft.boxes.first { $0.role == "headline" })
            #expect(headline.y + headline.height <= draft.image.height)
        }
        let short = try CampaignFixture.load(Self.campaign(headline: "Run."))
        let draft = try await Self.laidOut(short, size: try AdSize.resolve("iab-mrec").get())
        #expect(draft.events.isEmpty, "\(draft.events)")
    }

    @Test func textFittedOnceIsDrawnTheSameForTheNextCreatives() async throws {
        let long = String(repeating: "Run further on every mountain path this spring ", count: 6)
        let campaign = try CampaignFixture.load(Self.campaign(headline: long))
        let variant = try #require(Array(try Expander(campaign: campaign)).first)
        let painted = try Image.decode(
            LocalProvider().paint(
                GenerationRequest(prompt: variant.prompt, seed: 1, width: 1024, height: 1024, model: "procedural-v1")
            ).bytes)
        let cached = try Pipeline(campaign: campaign)
        let fresh = try Pipeline(campaign: campaign, layout: .init(textCacheBytes: 0))
        func laidOut(_ pipeline: Pipeline, _ size: AdSize) async throws -> CreativeDraft {
            var draft = CreativeDraft(variant: variant, size: size, image: painted)
            for step in pipeline.steps where !(step is EncodeStep) {
                try await step.apply(to: &draft, campaign: campaign)
            }
            return draft
        }
        for sizeID in ["iab-mrec", "320x50", "meta-story"] {
            let size = try AdSize.resolve(sizeID).get()
            let reference = try await laidOut(fresh, size)
            for _ in 0..<2 {
                let draft = try await laidOut(cached, size)
                #expect(draft.events == reference.events, "\(sizeID): the fit's events are kept with its text")
                #expect(draft.boxes == reference.boxes, "\(sizeID)")
                #expect(try draft.image.pixelBytes() == reference.image.pixelBytes(), "\(sizeID)")
            }
        }
    }

    @Test func aLayoutFileIsCheckedWhenTheCampaignLoadsWithFileLineAndColumn() throws {
        let layout = """
            layout: broken
            arrangements:
              - name: row
                aspect: { min: 3 }
                elements:
                  - headlien: { box: [0, 0, 1, 1] }
                  - cta: { box: [0, 0, 1.2, 0.5], colour: white }
              - name: rest
                elements:
                  - logo: { box: [0, 0, 1, 0.1], align: middle }
                  - offer: { lines: 2 }
            """
        let diagnostics = try #require(
            try CampaignFixture.diagnostics(
                Self.campaign(layout: ": layouts/broken.yaml"), files: ["layouts/broken.yaml": layout]))
        let lines = diagnostics.map(\.description)
        func has(_ fragment: String) -> Bool { lines.contains { $0.contains(fragment) } }
        #expect(has("broken.yaml:6:9: error: unknown element 'headlien'; did you mean 'headline'?"), "\(lines)")
        #expect(has("broken.yaml:7:39: error: unknown key 'colour' in element 'cta'; did you mean 'color'?"))
        #expect(has("broken.yaml:7:28: error: box width must be between 0.0 and 1.0, found 1.2"))
        #expect(has("broken.yaml:10:45: error: align must be one of left, centre, right, found 'middle'"))
        #expect(has("broken.yaml:11:9: error: element 'offer' needs a 'box'"))
        let missing = try #require(try CampaignFixture.diagnostics(Self.campaign(layout: ": nowhere")))
        #expect(missing.map(\.description).contains { $0.contains("layout template not found: nowhere") })
    }

    @Test func aFontThatIsNotInstalledIsRefusedWithHowToListFonts() throws {
        let campaign = Self.campaign().replacingOccurrences(
            of: "colors:", with: "font: Nonexistent Grotesk Bold, colors:")
        let diagnostics = try #require(try CampaignFixture.diagnostics(campaign))
        let message = try #require(diagnostics.first).description
        #expect(message.contains("c.yaml:2:"))
        #expect(message.contains("font 'Nonexistent Grotesk' is not installed"))
        #expect(message.contains("adgen fonts"))
        let installed = Self.campaign().replacingOccurrences(of: "colors:", with: "font: DejaVu Serif Bold 12, colors:")
        #expect(try CampaignFixture.diagnostics(installed) == nil)
    }
}
