import AdgenCore
import AdgenImaging
import AdgenTesting
import Foundation
import Testing

@Suite struct ScorerTests {
    static let square = AdSize(id: "600x600", width: 600, height: 600, maxBytes: nil, platform: "custom", source: "")
    static let white = RGBA(red: 255, green: 255, blue: 255)
    static let charcoal = RGBA(red: 0x1F, green: 0x29, blue: 0x37)

    /// `text` in `colour` set on a `background` square; returns the image and the text's box.
    static func lettered(_ text: String, colour: RGBA, on background: RGBA, size: Int = 48) throws -> (
        Image, LayoutBox
    ) {
        let canvas = try Image.solid(width: 600, height: 600, color: background)
        let ink = try Image.text(text, font: "DejaVu Sans Bold \(size)").mask.coloured(colour)
        let image = try canvas.composited(ink, x: 60, y: 80)
        let box = LayoutBox(
            role: "headline", x: 60, y: 80, width: ink.width, height: ink.height, color: colour.hex, textSize: size)
        return (image, box)
    }

    @Test func legibilityIsTheWCAGContrastOfTextAgainstTheBackgroundUnderIt() throws {
        let scorer = Scorer()
        let (readable, box) = try Self.lettered("Run further.", colour: Self.white, on: Self.charcoal)
        let good = try scorer.score(.init(image: readable, size: Self.square, boxes: [box]))
        let legibility = try #require(good[check: "legibility"])
        // White on #1F2937 is 14.7:1; antialiasing and JPEG-free pixels keep the measure close.
        #expect((12...15.5).contains(legibility.value ?? 0), "\(legibility)")
        #expect(legibility.passed == true && legibility.score == 1)

        let pale = RGBA(red: 0xDD, green: 0xDD, blue: 0xDD)
        let (faint, faintBox) = try Self.lettered("Run further.", colour: Self.white, on: pale)
        let bad = try #require(
            try scorer.score(.init(image: faint, size: Self.square, boxes: [faintBox]))[check: "legibility"])
        #expect((bad.value ?? 9) < 1.5 && bad.score == 0 && bad.passed == false)
        #expect(bad.reason.contains("headline 1.4:1 at 48 px"), "\(bad.reason)")

        let (tiny, tinyBox) = try Self.lettered("fine print", colour: Self.white, on: Self.charcoal, size: 8)
        let small = try #require(
            try scorer.score(.init(image: tiny, size: Self.square, boxes: [tinyBox]))[check: "legibility"])
        #expect(small.passed == false && (small.score ?? 1) < 1)
        #expect(small.reason.contains("under 12 px"), "\(small.reason)")
    }

    @Test func anEncodedCreativeIsScoredFromOneDecode() throws {
        let (image, box) = try Self.lettered("Run further.", colour: Self.white, on: Self.charcoal)
        let bytes = try image.encoded(EncodeOptions(format: .jpeg, quality: 92))
        let scorer = Scorer()
        let input = try scorer.input(encoded: bytes, size: Self.square, boxes: [box])
        #expect((input.image.width, input.image.height) == (600, 600))
        #expect(input.format == .jpeg && input.bytes == bytes.count)
        let fromBytes = try scorer.score(input)
        let fromPixels = try scorer.score(.init(image: image, size: Self.square, boxes: [box]))
        #expect(fromBytes[check: "spec"]?.passed == true)
        #expect(fromBytes[check: "legibility"]?.passed == true)
        #expect(fromBytes.phash.distance(to: fromPixels.phash) <= 2)
        #expect(throws: ImagingError.self) { try scorer.input(encoded: Array("not an image".utf8), size: Self.square) }
    }

    @Test func everyStageIsTimedOnceInOrderAndTheScorecardIsTheSame() throws {
        let (image, box) = try Self.lettered("Run further.", colour: Self.white, on: Self.charcoal)
        let cta = LayoutBox(role: "cta", x: 60, y: 400, width: 240, height: 80, color: "#FFFFFF", textSize: 30)
        let input = Scorer.Input(image: image, size: Self.square, boxes: [box, cta], brandColors: ["#1F2937"])
        var stages = [Scorer.Stage]()
        var total = Duration.zero
        let timed = try Scorer().score(input) { stage, duration in
            stages.append(stage)
            total += duration
        }
        #expect(stages == Scorer.Stage.allCases)
        #expect(total > .zero)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(timed) == encoder.encode(try Scorer().score(input)))
    }

    @Test func safeZoneAndTextCoverageNameWhatIsWrong() throws {
        let story = try AdSize.resolve("meta-story").get()
        let image = try Image.solid(width: story.width, height: story.height, color: Self.charcoal)
        let inside = LayoutBox(role: "cta", x: 100, y: 1400, width: 400, height: 100, color: "#FFFFFF", textSize: 40)
        let underTheUI = LayoutBox(role: "headline", x: 100, y: 120, width: 880, height: 700, color: "#FFFFFF")
        let card = try Scorer().score(.init(image: image, size: story, boxes: [inside, underTheUI]))
        let zone = try #require(card[check: "safe_zone"])
        #expect(zone.passed == false && zone.reason == "outside the safe area: headline")
        let coverage = try #require(card[check: "text_coverage"])
        // (880 × 700 + 400 × 100) / (1080 × 1920) ≈ 31%.
        #expect(abs((coverage.value ?? 0) - 0.317) < 0.02 && coverage.passed == false, "\(coverage)")
        #expect(coverage.reason.contains("over 20%"))
        let clean = try Scorer().score(.init(image: image, size: story, boxes: [inside]))
        #expect(clean[check: "safe_zone"]?.passed == true && clean[check: "text_coverage"]?.passed == true)
    }

    @Test func sharpColourfulOnBrandImagesOutscoreBlurredGreyOffBrandOnes() throws {
        let noise = try Image.text(
            String(repeating: "fine detail 0123456789 ", count: 40), font: "DejaVu Sans 14", width: 600
        ).mask.coloured(RGBA(red: 0xFF, green: 0x5A, blue: 0x1F))
        let sharp = try Image.solid(width: 600, height: 600, color: RGBA(red: 0x10, green: 0x40, blue: 0xC0))
            .composited(noise, x: 0, y: 0)
        let blurred = try sharp.blurred(sigma: 6)
        let scorer = Scorer()
        let crisp = try scorer.score(.init(image: sharp, size: Self.square, brandColors: ["#FF5A1F", "#1040C0"]))
        let soft = try scorer.score(.init(image: blurred, size: Self.square, brandColors: ["#FF5A1F", "#1040C0"]))
        #expect((crisp[check: "sharpness"]?.value ?? 0) > 10 * (soft[check: "sharpness"]?.value ?? 0))
        #expect(soft[check: "sharpness"]?.passed == false)
        #expect(crisp[check: "brand_fit"]?.passed == true, "\(crisp[check: "brand_fit"]!)")
        #expect(crisp[check: "colourfulness"]?.passed == true)
        let grey = try Image.load(path: Self.fixture("flat-grey.png"))
        let dull = try scorer.score(.init(image: grey, size: Self.square, brandColors: ["#FF5A1F"]))
        #expect(dull[check: "colourfulness"]?.value == 0 && dull[check: "colourfulness"]?.passed == false)
        #expect(dull[check: "brand_fit"]?.value == 0)
        #expect(dull.tags.contains("colour:grey"))
        #expect(crisp.total > dull.total)
    }

    @Test func specIsAGateAndWeightsComeFromTheCampaign() throws {
        let image = try Image.solid(width: 300, height: 250, color: Self.charcoal)
        let mrec = try AdSize.resolve("iab-mrec").get()
        let over = try Scorer().score(.init(image: image, size: mrec, bytes: 200_000, format: .jpeg))
        #expect(over[check: "spec"]?.passed == false && over.total == 0)
        #expect(over[check: "spec"]?.reason == "200,000 bytes, over the 150,000-byte limit")
        let wrongSize = try Scorer().score(.init(image: image, size: Self.square))
        #expect(wrongSize[check: "spec"]?.reason == "is 300×250, not 600×600")
        // Only colourfulness counts: a grey image totals 0, whatever its sharpness.
        let weights = Dictionary(uniqueKeysWithValues: Scorer.defaultWeights.keys.map { ($0, 0.0) })
            .merging(["colourfulness": 1]) { _, new in new }
        let only = try Scorer(configuration: .init(weights: weights)).score(.init(image: image, size: mrec))
        #expect(only.total == only[check: "colourfulness"]?.score)
    }

    @Test func nearDuplicatesOfOneSizeAndCopyAreGroupedAndTheBestKept() throws {
        let (first, box) = try Self.lettered("Run further.", colour: Self.white, on: Self.charcoal)
        let recompressed = try Image.decode(try first.encoded(EncodeOptions(format: .jpeg, quality: 45)))
        let (other, otherBox) = try Self.lettered("Own the trail, every weekend", colour: Self.charcoal, on: Self.white)
        let scorer = Scorer()
        var cards = try [
            scorer.score(.init(image: first, size: Self.square, boxes: [box])),
            scorer.score(.init(image: recompressed, size: Self.square, boxes: [box])),
            scorer.score(.init(image: other, size: Self.square, boxes: [otherBox])),
            scorer.score(.init(image: first, size: Self.square, boxes: [box])),
        ]
        #expect(cards[0].phash.distance(to: cards[1].phash) <= 2)
        #expect(cards[0].phash.distance(to: cards[2].phash) > 8)
        // The fourth is the first again, but with other copy: not compared.
        let groups = scorer.markNearDuplicates(&cards, keys: ["a", "a", "a", "b"])
        #expect(groups.count == 1 && Set(groups[0]) == [0, 1])
        let copy = groups[0][1]
        #expect(cards[copy].tags.contains("near-duplicate"))
        #expect(cards[copy][check: "novelty"]?.score == 0)
        #expect(cards[groups[0][0]][check: "novelty"]?.score == 1)
        #expect(cards[2][check: "novelty"]?.passed == true && cards[3][check: "novelty"]?.passed == true)
        #expect(cards[3][check: "novelty"]?.reason == "no other creative of its size and copy")
    }

    static func fixture(_ name: String) -> String { Repository.path("Tests/AdgenCoreTests/Fixtures/scoring/\(name)") }

    @Test(arguments: [
        "cmyk.jpg", "flat-grey.png", "grey-16bit.png", "one-pixel.png", "rgb-16bit.png", "single-colour.jpg",
        "transparent.png",
    ])
    func oddImagesScoreWithoutNaNOrInfinity(_ name: String) throws {
        let image = try Image.load(path: Self.fixture(name))
        let card = try Scorer().score(
            .init(
                image: image, size: Self.square,
                boxes: [
                    LayoutBox(role: "headline", x: 0, y: 0, width: 1, height: 1, color: "#FFFFFF", textSize: 12)
                ], brandColors: ["#FF5A1F"]))
        // JSONEncoder refuses NaN and infinity: encoding is itself a check.
        _ = try JSONEncoder().encode(card)
        for check in card.checks {
            for number in [check.value, check.threshold, check.score].compactMap({ $0 }) {
                #expect(number.isFinite, "\(name): \(check.name)")
            }
        }
        #expect(card.total.isFinite && (0...1).contains(card.total))
        #expect(card.phash.description.count == 16)
    }
}
