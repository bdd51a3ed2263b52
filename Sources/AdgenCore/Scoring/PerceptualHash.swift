import AdgenImaging
import Foundation

/// A 64-bit perceptual hash computed as imagehash's `phash` does: the image as 32×32 grey, a 2-D DCT-II, the
/// top-left 8×8 coefficients compared with their median. Similar pictures have hashes a few bits apart.
public struct PerceptualHash: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The bits, the first coefficient in the most significant bit (row by row).
    public var value: UInt64

    /// Creates a hash from its bits.
    public init(value: UInt64) { self.value = value }

    /// The hash of `image`.
    public init(of image: Image) throws {
        let small = try image.resized(width: 32, height: 32)
        let raster = try Raster(small)
        self.init(grey: raster.luma)
    }

    /// The hash of a 32×32 grey image (row by row).
    init(grey pixels: [Float]) {
        precondition(pixels.count == 32 * 32)
        // The 8 lowest frequencies along each axis: columns first (axis 0), then rows (axis 1), as scipy does.
        var columns = [Double](repeating: 0, count: 8 * 32)
        for k in 0..<8 {
            for x in 0..<32 {
                var sum = 0.0
                for y in 0..<32 { sum += Double(pixels[y * 32 + x]) * Self.cosines[k * 32 + y] }
                columns[k * 32 + x] = 2 * sum
            }
        }
        var coefficients = [Double](repeating: 0, count: 64)
        for k in 0..<8 {
            for j in 0..<8 {
                var sum = 0.0
                for x in 0..<32 { sum += columns[k * 32 + x] * Self.cosines[j * 32 + x] }
                coefficients[k * 8 + j] = 2 * sum
            }
        }
        let sorted = coefficients.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        var value: UInt64 = 0
        for coefficient in coefficients { value = value << 1 | (coefficient > median ? 1 : 0) }
        self.value = value
    }

    /// cos(π k (2n + 1) / 64) for k < 8, n < 32.
    static let cosines: [Double] = (0..<8).flatMap { k in
        (0..<32).map { n in cos(Double.pi * Double(k) * Double(2 * n + 1) / 64) }
    }

    /// Parses 16 hex digits (`str(imagehash.phash(img))`).
    public init?(hex: String) {
        guard hex.count == 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.value = value
    }

    /// 16 hex digits, as `str(imagehash.phash(img))` prints them.
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The number of differing bits.
    public func distance(to other: PerceptualHash) -> Int { (value ^ other.value).nonzeroBitCount }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let hash = PerceptualHash(hex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not 16 hex digits"))
        }
        self = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
