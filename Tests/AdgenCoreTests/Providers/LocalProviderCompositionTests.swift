import AdgenImaging
import Foundation
import Testing

@testable import AdgenCore

/// Composition words place the product; the rest of the prompt varies the shapes around it.
@Suite struct LocalProviderCompositionTests {
    let provider = LocalProvider()

    func request(_ prompt: String, seed: UInt64 = 42, width: Int = 1024, height: Int = 1024) -> GenerationRequest {
        GenerationRequest(
            prompt: prompt, seed: seed, width: width, height: height, model: LocalProvider.model,
            brandColors: ["#FF5A1F", "#1F2937", "#F5F1E8"])
    }

    func hash(_ prompt: String, width: Int = 1024, height: Int = 1024) throws -> PerceptualHash {
        try PerceptualHash(of: Image.decode(provider.paint(request(prompt, width: width, height: height)).bytes))
    }

    /// The campaign prompt of ridge-3-spring with one phrase left open.
    static func ridge(_ phrase: String, spray: String = "grit and small stones kicking up behind the heel") -> String {
        "low-angle action shot of a seasoned trail runner wearing the Ridge 3 trail running shoe in ember orange "
            + "with a charcoal lugged outsole, running on a rocky alpine ridgeline, \(spray), \(phrase), soft morning "
            + "light on the trail, ember orange and charcoal accents against natural earth tones, professional sports "
            + "advertising photography, tack-sharp focus on the shoes, high detail"
    }

    static let compositions = [
        "rule-of-thirds composition with clean negative space on the left for the headline",
        "rule-of-thirds composition with clean negative space on the right for the headline",
        "centred hero composition, symmetrical and bold",
        "subject in the lower third, open sky above for copy",
        "clean, uncluttered lower edge with room for a call-to-action button",
        "strong silhouette against a simple, uncluttered background",
        "diagonal leading lines drawing the eye to the product",
        "layered foreground blur framing the subject",
        "generous uncluttered background at the top for a logo and headline",
        "overhead flat lay on a wooden table",
    ]

    /// Prompts that differ in one phrase are different pictures: their pHashes are more than 12 bits apart.
    @Test func promptsDifferingInOnePhraseAreFarApart() throws {
        var pairs = [(String, String)]()
        for (index, first) in Self.compositions.enumerated() {
            for second in Self.compositions[(index + 1)...] { pairs.append((Self.ridge(first), Self.ridge(second))) }
        }
        // The inline choice alone, and photo prompts of other products.
        pairs.append(
            (
                Self.ridge("centred hero composition"),
                Self.ridge("centred hero composition", spray: "a spray of mud frozen in mid-air")
            ))
        pairs.append(
            (
                "photoreal product shot of a serum bottle, low angle, soft window light",
                "photoreal product shot of a serum bottle, overhead flat lay, soft window light"
            ))
        pairs.append(
            (
                "cinematic photo of a coffee cup, close-up",
                "cinematic photo of a coffee cup, wide shot with negative space"
            ))
        var distances = [Int]()
        for (first, second) in pairs {
            let distance = try hash(first).distance(to: hash(second))
            distances.append(distance)
            #expect(distance > 12, "\(distance) bits between \"\(first)\" and \"\(second)\"")
        }
        if ProcessInfo.processInfo.environment["ADGEN_PRINT_DISTANCES"] != nil {
            print("pHash distances: \(distances.sorted()), min \(distances.min() ?? 0)")
        }
    }

    @Test func samePromptAndSeedSameBytes() throws {
        for phrase in Self.compositions {
            let prompt = Self.ridge(phrase)
            #expect(try provider.paint(request(prompt)).bytes == provider.paint(request(prompt)).bytes)
            #expect(
                try provider.paint(request(prompt, width: 2048, height: 512)).bytes
                    == provider.paint(request(prompt, width: 2048, height: 512)).bytes)
        }
    }

    /// Side words move the product; wide shapes put it on the right, clear of the copy down the left.
    @Test func compositionWordsPlaceTheProduct() {
        func composition(_ prompt: String, _ width: Int = 1024, _ height: Int = 1024) -> Composition {
            var generator = SplitMix64(seed: 7)
            let text = prompt.lowercased()
            let words = Set(text.split { !$0.isLetter && $0 != "-" }.map(String.init))
            return Composition(
                text: text, words: words, width: width, height: height, baseScale: 0.44, generator: &generator)
        }
        #expect(composition("negative space on the left for the headline").focusX > 0.6)
        #expect(composition("negative space on the right for the headline").focusX < 0.4)
        #expect(abs(composition("centred hero composition").focusX - 0.5) < 0.03)
        #expect(composition("subject in the lower third").focusY > composition("room for a call-to-action").focusY)
        #expect(composition("low-angle action shot").horizon > composition("high angle shot").horizon)
        #expect(composition("tight detail shot").scale > composition("wide full-body shot").scale)
        #expect(composition("overhead flat lay").overhead)
        for (width, height) in [(1344, 768), (1472, 704), (2048, 512)] {
            for prompt in ["product shot of a shoe", "rule-of-thirds composition", "low-angle action shot"] {
                let placed = composition(prompt, width, height)
                #expect(placed.focusX > 0.55, "\(prompt) at \(width)x\(height): \(placed.focusX)")
            }
        }
        let banner = composition("tight detail shot", 2048, 512)
        #expect(banner.focusX > 0.55 && banner.scale <= 0.4)
    }
}
