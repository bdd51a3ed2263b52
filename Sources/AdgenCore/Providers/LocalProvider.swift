import AdgenImaging
import Crypto

/// The built-in `local` provider: a deterministic procedural painter, an offline stand-in for an image model
/// for drafts, demos and tests. It reads the prompt's palette words (warm, cool, pastel, vibrant, dark, named
/// colours), the brand colours and its style words (photo, illustration, minimal, bold, luxury, playful,
/// cinematic), and paints a scene with a product-like focal shape. Same request → same bytes.
public struct LocalProvider: ImageProvider {
    /// The provider id.
    public let id = "local"
    /// The only model.
    public static let model = "procedural-v1"

    /// Creates the provider.
    public init() {}

    /// Paints the image for `request` and returns it as PNG.
    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        try paint(request)
    }

    /// Paints synchronously (the work is CPU-bound; callers bound their own concurrency). The scene's soft
    /// layers are rendered small and enlarged under its sharp shapes, and the PNG is written for speed rather
    /// than size: about 60 ms of one core for a megapixel.
    public func paint(_ request: GenerationRequest) throws -> GeneratedImage {
        let scene = ProceduralPainter(request: request).scene()
        let softLayers = try scene.softDocuments().map { try Image.svg($0).quickPNG() }
        let image = try Image.svg(scene.document(softImages: softLayers))
        let png = try image.droppingAlpha().quickPNG()
        return GeneratedImage(bytes: png, width: image.width, height: image.height)
    }
}

/// Turns a request into a scene of SVG layers. Every choice comes from a generator seeded by the prompt's SHA-256
/// and the seed, so the scene is a pure function of the request.
struct ProceduralPainter {
    let request: GenerationRequest
    let words: Set<String>
    let text: String
    let palette: Palette
    let style: Style
    let subject: Subject

    enum Style: String, CaseIterable {
        case photo, cinematic, illustration, minimal, bold, luxury, playful
    }

    enum Subject: String, CaseIterable {
        case shoe, bottle, cup, phone, jacket, pebble
    }

    init(request: GenerationRequest) {
        self.request = request
        text = request.prompt.lowercased()
        words = Set(text.split { !$0.isLetter && $0 != "-" }.map(String.init))
        var generator = Self.generator(request, salt: "palette")
        palette = Palette(words: words, text: text, brand: request.brandColors, generator: &generator)
        style = Self.style(of: words)
        subject = Self.subject(of: words)
    }

    static func generator(_ request: GenerationRequest, salt: String) -> SplitMix64 {
        var hasher = SHA256()
        hasher.update(data: Array(salt.utf8) + [0] + Array(request.prompt.utf8) + [0] + Array(request.model.utf8))
        let digest = hasher.finalize().withUnsafeBytes { $0.load(as: UInt64.self) }
        return SplitMix64(seed: digest ^ (request.seed &* 0x9E37_79B9_7F4A_7C15))
    }

    static func style(of words: Set<String>) -> Style {
        let cues: [(Style, [String])] = [
            (.luxury, ["luxury", "luxurious", "premium", "elegant", "gold", "opulent"]),
            (.playful, ["playful", "fun", "whimsical", "confetti", "cheerful", "quirky"]),
            (.minimal, ["minimal", "minimalist", "clean", "simple", "scandinavian", "negative-space"]),
            (.illustration, ["illustration", "illustrated", "flat", "vector", "cartoon", "graphic", "drawing"]),
            (.bold, ["bold", "pop", "poster", "graphic-design", "neon"]),
            (.cinematic, ["cinematic", "film", "moody", "dramatic", "lifestyle", "night"]),
            (.photo, ["photo", "photoreal", "photorealistic", "photograph", "photography", "product", "shot"]),
        ]
        return cues.first { $0.1.contains(where: words.contains) }?.0 ?? .photo
    }

    static func subject(of words: Set<String>) -> Subject {
        let cues: [(Subject, [String])] = [
            (.cup, ["coffee", "cup", "mug", "espresso", "latte", "tea", "brew", "crema"]),
            (.shoe, ["shoe", "shoes", "sneaker", "sneakers", "boot", "boots", "trainer", "trainers", "runner"]),
            (.bottle, ["serum", "bottle", "skincare", "cream", "lotion", "perfume", "dropper", "cosmetic"]),
            (.phone, ["app", "phone", "smartphone", "mobile", "bank", "banking", "fintech", "screen"]),
            (.jacket, ["jacket", "shell", "coat", "hoodie", "apparel", "parka"]),
        ]
        return cues.first { $0.1.contains(where: words.contains) }?.0 ?? .pebble
    }
}
