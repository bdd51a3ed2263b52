import AdgenImaging
import Testing

@testable import AdgenCore

@Suite("The batch pass: near-duplicates, min_score and dedupe")
struct JudgementTests {
    /// Scorecards of two different pictures and of a recompressed copy of the first, at meta-feed.
    static func cards() throws -> (original: Scorecard, copy: Scorecard, other: Scorecard) {
        let size = try #require(AdSize.presets.first { $0.id == "meta-feed" })
        let painter = LocalProvider()
        func picture(_ prompt: String) throws -> Image {
            let request = GenerationRequest(prompt: prompt, seed: 3, width: 1024, height: 1024, model: "procedural-v1")
            return try Image.decode(painter.paint(request).bytes).resized(width: 1080, height: 1080)
        }
        let scorer = Scorer()
        func card(_ image: Image, quality: Int) throws -> Scorecard {
            try scorer.score(
                scorer.input(encoded: image.encoded(EncodeOptions(format: .jpeg, quality: quality)), size: size))
        }
        let shoe = try picture("photo of a trail shoe on a mountain path, warm light")
        return (
            try card(shoe, quality: 90), try card(shoe, quality: 40),
            // Blurred, so that it scores lower on sharpness.
            try card(
                picture("bold flat illustration of a coffee cup, cool pastel palette").blurred(sigma: 8), quality: 90)
        )
    }

    @Test("dedupe keeps the better of a picture and its copy, and names it; a different picture stays")
    func dedupe() throws {
        let (original, copy, other) = try Self.cards()
        var settings = ScoringSettings()
        settings.dedupe = true
        let verdicts = Judgement(scorer: Scorer(), settings: settings).judge([
            .init(id: "copy", key: "meta-feed", scorecard: copy),
            .init(id: "original", key: "meta-feed", scorecard: original),
            .init(id: "other", key: "meta-feed", scorecard: other),
        ])
        let dropped = verdicts.map(\.dropped)
        #expect(dropped.compactMap { $0 }.count == 1)
        #expect(verdicts[2].dropped == nil)
        #expect(
            verdicts[0].scorecard.tags.contains("near-duplicate")
                || verdicts[1].scorecard.tags.contains("near-duplicate"))
        let kept = verdicts[0].dropped == nil ? "copy" : "original"
        #expect(dropped.compactMap { $0 }.first?.contains("near-duplicate of \(kept)") == true)
        // Different keys (another size or other copy) are never compared.
        let apart = Judgement(scorer: Scorer(), settings: settings).judge([
            .init(id: "copy", key: "meta-feed|Run.", scorecard: copy),
            .init(id: "original", key: "meta-feed|Go.", scorecard: original),
        ])
        #expect(apart.allSatisfy { $0.dropped == nil })
    }

    @Test("Below min_score a creative is flagged by default, or dropped with the score in the reason")
    func minimum() throws {
        let (original, _, other) = try Self.cards()
        let entries: [Judgement.Entry] = [
            .init(id: "a", key: "a", scorecard: original), .init(id: "b", key: "b", scorecard: other),
        ]
        // The totals after the pass (novelty is scored in it).
        let totals = Judgement(scorer: Scorer(), settings: ScoringSettings()).judge(entries).map(\.scorecard.total)
        try #require(abs(totals[0] - totals[1]) > 0.005, "two pictures that score apart")
        let low = totals[0] < totals[1] ? 0 : 1
        var settings = ScoringSettings()
        settings.minScore = (totals[0] + totals[1]) / 2
        let flagged = Judgement(scorer: Scorer(), settings: settings).judge(entries)
        #expect(flagged.allSatisfy { $0.dropped == nil })
        #expect(flagged[low].scorecard.tags.contains("below-min-score"))
        #expect(!flagged[1 - low].scorecard.tags.contains("below-min-score"))
        settings.belowMinimum = .drop
        let dropped = Judgement(scorer: Scorer(), settings: settings).judge(entries)
        #expect(dropped[low].dropped?.contains("below min_score") == true)
        #expect(dropped[1 - low].dropped == nil)
    }
}
