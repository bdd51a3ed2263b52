import AdgenImaging
import Crypto

/// `product:`: the advertiser's real product, shown in every creative. Its file was read, decoded and checked when
/// the campaign was loaded (exists, decodes, under `maxPixels`, has transparent pixels around the product or a
/// background remover is set).
public struct Product: Sendable, Hashable {
    /// How the product gets into the picture.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// The model (or the local renderer) makes the scene without the product, and adgen sets the real cutout
        /// into each creative: its pixels are the advertiser's in every one.
        case composite
        /// The product image (and the logo, with `reference_logo`) goes to the provider as an input image and the
        /// model draws the product into the scene; the layout finds it by attention analysis.
        case reference
    }

    /// The image file, resolved against the campaign file's folder.
    public var image: String
    /// How the product gets into the picture (`composite` by default).
    public var mode: Mode = .composite
    /// What the product is called, as the reference prompt names it (default: the brief's `product`).
    public var name: String?
    /// `reference` mode: the brand's logo goes to the provider too, as a second input image.
    public var referenceLogo = false
    /// Who cuts an opaque product photo out of its backdrop (`remove_background: { provider, model }`, or the
    /// pipeline's `remove_background` step); nil when the image has its own transparency.
    public var remover: PipelineStepSpec?
    /// The file's SHA-256 (64 hex digits) and media type, as reference requests carry them.
    public var sha256: String
    public var mediaType: String

    /// The most pixels a product image may have.
    public static let maxPixels = 6000 * 6000
    /// The least share of (partly) transparent pixels a cutout has: below it, the "cutout" is an opaque photo.
    public static let minimumTransparency = 0.01

    /// The sentence added to every prompt in `composite` mode, so the model leaves the product out (the local
    /// renderer reads it too).
    public static let sceneDirection =
        "Show the setting only, with clear room for the product in it: do not show the product itself."

    /// The sentence added to every prompt in `reference` mode.
    func referenceDirection(brief: [BriefField]) -> String {
        let called = name ?? brief.first { $0.key == "product" }?.value
        return "Show the product of the reference image\(called.map { " (\($0))" } ?? "") exactly as it is: "
            + "keep its shape, colours, label and logo unchanged."
    }

    /// The file's SHA-256 as 64 hex digits.
    static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).withUnsafeBytes { Hex.prefix(of: $0, digits: 64) }
    }
}

extension Campaign {
    /// The generation request of `variant` at `width` × `height`: its prompts, seed and the campaign's model,
    /// brand colours and parameters; with a product, the prompt carries the mode's direction and, in `reference`
    /// mode, the request names the product image (and the logo) to send. The bytes are attached when it is sent.
    public func request(for variant: Variant, width: Int, height: Int) -> GenerationRequest {
        var prompt = variant.prompt
        var references = [ReferenceImage]()
        if let product {
            switch product.mode {
            case .composite:
                prompt = Self.joined(prompt, Product.sceneDirection)
            case .reference:
                prompt = Self.joined(prompt, product.referenceDirection(brief: brief))
                references.append(
                    ReferenceImage(
                        role: .product, name: Self.fileName(product.image), mediaType: product.mediaType,
                        sha256: product.sha256))
                if product.referenceLogo, let logo = brand.logo, let digest = brand.logoSHA256 {
                    references.append(
                        ReferenceImage(
                            role: .logo, name: Self.fileName(logo), mediaType: brand.logoMediaType ?? "image/png",
                            sha256: digest))
                }
            }
        }
        return GenerationRequest(
            prompt: prompt, negativePrompt: variant.negativePrompt, seed: variant.seed, width: width, height: height,
            model: generation.model, brandColors: brand.colors, parameters: generation.parameters,
            references: references)
    }

    /// The files reference requests send, by digest: the product image and the logo.
    public func referenceFiles() -> [String: String] {
        var files = [String: String]()
        if let product, product.mode == .reference {
            files[product.sha256] = product.image
            if product.referenceLogo, let logo = brand.logo, let digest = brand.logoSHA256 { files[digest] = logo }
        }
        return files
    }

    static func joined(_ prompt: String, _ sentence: String) -> String {
        let trimmed = prompt.trimmingTrailingWhitespace
        guard let last = trimmed.last else { return sentence }
        return trimmed + (".!?".contains(last) ? " " : ". ") + sentence
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension String {
    fileprivate var trimmingTrailingWhitespace: String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
