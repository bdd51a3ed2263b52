/// A size a provider generates at: an aspect family and its pixel dimensions. Each campaign size is cut from the
/// shape of its provider whose crop loses least.
public struct GenerationShape: Sendable, Hashable, CustomStringConvertible {
    /// The aspect family.
    public var family: AspectFamily
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a shape.
    public init(family: AspectFamily, width: Int, height: Int) {
        self.family = family
        self.width = width
        self.height = height
    }

    /// `2:3 (1024×1536)`.
    public var description: String { "\(family.name) (\(width)×\(height))" }

    /// The shapes `provider` (with `model`) generates at.
    ///
    /// - `openai`: the sizes its Images API lists: GPT image models 1024×1024, 1536×1024, 1024×1536; `dall-e-3`
    ///   1024×1024, 1792×1024, 1024×1792; `gpt-image-2` any size with sides divisible by 16 and an aspect
    ///   between 1:3 and 3:1.
    /// - `replicate`: FLUX-style `aspect_ratio` values (1:1, 16:9, 21:9, 3:2, 2:3, 4:5, 5:4, 3:4, 4:3, 9:16,
    ///   9:21), about a megapixel.
    /// - `local`, `fal`, `comfyui`, `automatic1111`, `http`: any size; the standard families at about a
    ///   megapixel, sides multiples of 64, long side ≥ 1024.
    public static func supported(provider: String, model: String) -> [GenerationShape] {
        switch provider {
        case "openai" where model.hasPrefix("gpt-image-2"):
            return AspectFamily.standard.filter { (1.0 / 3...3).contains($0.ratio) }.map { megapixel($0, step: 16) }
        case "openai" where model.hasPrefix("dall-e-3"):
            return [
                GenerationShape(family: AspectFamily(name: "1:1", ratio: 1), width: 1024, height: 1024),
                GenerationShape(family: AspectFamily(name: "7:4", ratio: 1792.0 / 1024), width: 1792, height: 1024),
                GenerationShape(family: AspectFamily(name: "4:7", ratio: 1024.0 / 1792), width: 1024, height: 1792),
            ]
        case "openai":
            return [
                GenerationShape(family: AspectFamily(name: "1:1", ratio: 1), width: 1024, height: 1024),
                GenerationShape(family: AspectFamily(name: "3:2", ratio: 1.5), width: 1536, height: 1024),
                GenerationShape(family: AspectFamily(name: "2:3", ratio: 2.0 / 3), width: 1024, height: 1536),
            ]
        case "replicate":
            let ratios = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]
            return ratios.map { name in
                let parts = name.split(separator: ":").compactMap { Double($0) }
                return megapixel(AspectFamily(name: name, ratio: parts[0] / parts[1]), step: 64)
            }
        default:
            return AspectFamily.standard.map { megapixel($0, step: 64) }
        }
    }

    /// About a megapixel at `family`'s ratio, sides multiples of `step`, long side at least 1024.
    public static func megapixel(_ family: AspectFamily, step: Int) -> GenerationShape {
        let area = 1024.0 * 1024.0
        var width = (area * family.ratio).squareRoot()
        var height = (area / family.ratio).squareRoot()
        let scale = max(1, 1024 / max(width, height))
        width *= scale
        height *= scale
        func round(_ value: Double) -> Int { max(step, Int((value / Double(step)).rounded()) * step) }
        return GenerationShape(family: family, width: round(width), height: round(height))
    }

    /// The shape from which `size` loses least when cropped.
    public static func best(for size: AdSize, among shapes: [GenerationShape]) -> GenerationShape {
        shapes.min { $0.family.cropLoss(to: size) < $1.family.cropLoss(to: size) }!
    }
}
