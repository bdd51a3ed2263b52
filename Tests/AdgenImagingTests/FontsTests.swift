import AdgenImaging
import Testing

@Suite struct FontsTests {
    @Test(arguments: [
        ("DejaVu Sans Bold 48", "DejaVu Sans"), ("DejaVu Serif", "DejaVu Serif"),
        ("DejaVu Sans Condensed Bold Italic 12px", "DejaVu Sans"), ("Bold 12", ""),
        ("Noto Sans, DejaVu Sans Semi-Bold", "Noto Sans, DejaVu Sans"),
    ])
    func theFamilyIsTheDescriptionWithoutStyleWordsAndSize(_ description: String, _ family: String) {
        #expect(Fonts.family(of: description) == family)
    }

    @Test func installedFamiliesAreFoundAndMissingOnesRefusedWithAWayToListThem() throws {
        #expect(Fonts.families.contains("DejaVu Sans"))
        #expect(Fonts.isInstalled("DejaVu Sans Bold 48"))
        #expect(Fonts.isInstalled("dejavu serif"))
        #expect(Fonts.isInstalled("sans-serif 12"))
        #expect(Fonts.isInstalled("Missing Font, DejaVu Sans"))
        #expect(!Fonts.isInstalled("Missing Font Bold"))
        do {
            try Fonts.check("Missing Font Bold 12")
            Issue.record("a missing font must be refused")
        } catch {
            #expect(error.message.contains("font 'Missing Font' is not installed"))
            #expect(error.message.contains("adgen fonts"))
        }
    }
}
