import AdgenCore
import AdgenImaging
import Foundation
import Testing

@Suite struct LocalProviderTests {
    let provider = LocalProvider()

    func request(_ prompt: String, seed: UInt64 = 1, width: Int = 1024, height: Int = 1024, brand: [String] = [])
        -> GenerationRequest
    {
        GenerationRequest(
            prompt: prompt, seed: seed, width: width, height: height, model: LocalProvider.model, brandColors: brand)
    }

    /// Mean red, green, blue of a generated image.
    func means(_ image: GeneratedImage) throws -> [Double] {
        try Image.decode(image.bytes).statistics().prefix(3).map(\.mean)
    }

    static let prompts = [
        "photoreal product shot of a trail running shoe in ember orange, warm golden hour light",
        "bold flat illustration of a coffee cup for commuters, cool blue palette",
        "minimal clean studio shot of a skincare serum bottle, pastel pink",
        "cinematic lifestyle photo of a banking app on a phone at night, moody",
        "luxury dark product shot of a waterproof jacket with gold accents",
        "playful vibrant confetti scene with a sneaker, pop colours",
    ]

    @Test func sameRequestSameBytesAndRequestedSize() throws {
        let first = try provider.paint(request(Self.prompts[0], width: 1152, height: 896))
        let again = try provider.paint(request(Self.prompts[0], width: 1152, height: 896))
        #expect(first.bytes == again.bytes)
        #expect((first.width, first.height) == (1152, 896))
        let decoded = try Image.decode(first.bytes)
        #expect((decoded.width, decoded.height) == (1152, 896))
    }

    /// One prompt per style word.
    static let styles = [
        "photoreal product shot of a trail running shoe", "cinematic night scene with a phone",
        "flat illustration of a coffee cup", "minimal studio shot of a serum bottle", "bold poster of a jacket",
        "luxury product shot of a perfume bottle", "playful confetti scene with a sneaker",
    ]

    @Test(arguments: styles)
    func everyStyleIsRepeatableOpaqueAndFilledToTheEdges(_ prompt: String) throws {
        // 1000 × 777 does not divide by the soft layers' shrink: they are stretched to fit, not left short.
        let first = try provider.paint(request(prompt, width: 1000, height: 777))
        #expect(try provider.paint(request(prompt, width: 1000, height: 777)).bytes == first.bytes)
        let image = try Image.decode(first.bytes)
        #expect((image.width, image.height) == (1000, 777))
        #expect(!image.hasAlpha)
        func means(_ x: Int, _ y: Int, _ width: Int, _ height: Int) throws -> [Double] {
            try image.cropped(x: x, y: y, width: width, height: height).statistics().map(\.mean)
        }
        let edges = [
            (try means(999, 0, 1, 777), try means(994, 0, 1, 777)),
            (try means(0, 776, 1000, 1), try means(0, 771, 1000, 1)),
        ]
        for (edge, inside) in edges {
            #expect(zip(edge, inside).allSatisfy { abs($0 - $1) < 6 }, "edge \(edge) vs inside \(inside)")
        }
    }

    @Test func differentPromptsAndSeedsLookDifferent() throws {
        let images = try Self.prompts.map { try means(provider.paint(request($0))) }
        for (index, a) in images.enumerated() {
            for b in images[(index + 1)...] {
                let distance = zip(a, b).map { abs($0 - $1) }.reduce(0, +)
                #expect(distance > 12, "two prompts should not give near-identical colours: \(a) vs \(b)")
            }
        }
        let seeded = try provider.paint(request(Self.prompts[1], seed: 2))
        #expect(try provider.paint(request(Self.prompts[1], seed: 1)).bytes != seeded.bytes)
    }

    @Test func warmAndCoolWordsDriveTheColours() throws {
        let warm = try means(provider.paint(request("product shot of a pebble, warm palette")))
        let cool = try means(provider.paint(request("product shot of a pebble, cool palette")))
        #expect(warm[0] - warm[2] > cool[0] - cool[2] + 30, "warm is redder than cool")
    }

    @Test func brandColourPaintsTheProduct() throws {
        let plain = try provider.paint(request("minimal studio shot of a serum bottle"))
        let branded = try provider.paint(request("minimal studio shot of a serum bottle", brand: ["#00A651"]))
        #expect(try means(branded)[1] > means(plain)[1] || means(branded)[1] > 120, "brand green shows")
    }

    @Test func attentionCropFindsTheProduct() throws {
        // On a calm background the focal shape is the one detailed, saturated thing: an attention crop keeps it.
        let painted = try Image.decode(
            provider.paint(request("minimal studio shot of a red serum bottle", width: 2048, height: 1024)).bytes)
        let crop = try painted.filled(width: 400, height: 1024, strategy: .attention)
        let edge = try painted.cropped(x: 0, y: 0, width: 400, height: 1024)
        #expect(
            try vividPixels(crop) > 10 * max(1, vividPixels(edge)),
            "the crop holds the product, the edge only background")
    }

    /// How many pixels are strongly coloured (the product), not near-grey background.
    func vividPixels(_ image: Image) throws -> Int {
        let bytes = try image.pixelBytes()
        let bands = image.bands
        var count = 0
        for start in stride(from: 0, to: bytes.count, by: bands) {
            let r = bytes[start]
            let g = bytes[start + 1]
            let b = bytes[start + 2]
            if Int(max(r, g, b)) - Int(min(r, g, b)) > 110 { count += 1 }
        }
        return count
    }

    @Test func previewsWhenAsked() throws {
        guard let folder = ProcessInfo.processInfo.environment["ADGEN_PREVIEW_DIR"] else { return }
        for (index, prompt) in Self.prompts.enumerated() {
            let image = try provider.paint(
                request(prompt, width: 1024, height: 1024, brand: index == 0 ? ["#FF5A1F", "#1F2937"] : []))
            FileManager.default.createFile(atPath: "\(folder)/local-\(index).png", contents: Data(image.bytes))
        }
    }
}
