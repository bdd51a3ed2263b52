/// A generation aspect ratio: one image is generated per (prompt, seed, family) and every size of that family is
/// cut from it.
public struct AspectFamily: Sendable, Hashable, CustomStringConvertible {
    /// `1:1`, `9:16`, …
    public var name: String
    /// Width over height.
    public var ratio: Double

    /// Creates a family.
    public init(name: String, ratio: Double) {
        self.name = name
        self.ratio = ratio
    }

    /// The name.
    public var description: String { name }

    /// The families image models commonly generate (the providers issue narrows this per provider).
    public static let standard: [AspectFamily] = [
        AspectFamily(name: "1:1", ratio: 1),
        AspectFamily(name: "4:5", ratio: 4.0 / 5),
        AspectFamily(name: "2:3", ratio: 2.0 / 3),
        AspectFamily(name: "9:16", ratio: 9.0 / 16),
        AspectFamily(name: "1:3", ratio: 1.0 / 3),
        AspectFamily(name: "16:9", ratio: 16.0 / 9),
        AspectFamily(name: "1.91:1", ratio: 1.91),
        AspectFamily(name: "3:1", ratio: 3),
        AspectFamily(name: "4:1", ratio: 4),
    ]

    /// The share of a family's image that cropping to `size` throws away.
    public func cropLoss(to size: AdSize) -> Double {
        let target = size.aspectRatio
        return 1 - min(target, ratio) / max(target, ratio)
    }

    /// The family from which `size` loses least when cropped.
    public static func best(for size: AdSize, among families: [AspectFamily] = standard) -> AspectFamily {
        families.min { $0.cropLoss(to: size) < $1.cropLoss(to: size) }!
    }
}
