import AdgenImaging
import Foundation

/// A 64-bit perceptual hash computed exactly as imagehash's `phash` does with Pillow: the image as 8-bit grey
/// (Pillow's integer formula), resized to 32×32 with Pillow's fixed-point Lanczos filter, a 2-D DCT-II, and the
/// top-left 8×8 coefficients compared with their median. Similar pictures have hashes a few bits apart;
/// `scripts/phash/compare.sh` checks it against imagehash.
public struct PerceptualHash: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The bits, the first coefficient in the most significant bit (row by row).
    public var value: UInt64

    /// Creates a hash from its bits.
    public init(value: UInt64) { self.value = value }

    /// The hash of `image`, from its full-resolution pixels.
    public init(of image: Image) throws {
        let bytes = try image.pixelBytes()
        self = bytes.withUnsafeBufferPointer {
            PerceptualHash(pixels: $0, width: image.width, height: image.height, bands: image.bands)
        }
    }

    /// The hash of interleaved 8-bit pixels (grey, grey + alpha, RGB or RGBA; alpha is ignored, as Pillow's
    /// conversion to grey ignores it).
    init(pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, bands: Int) {
        var grey = [UInt8](repeating: 0, count: width * height)
        grey.withUnsafeMutableBufferPointer { grey in
            var pixel = pixels.baseAddress!
            if bands >= 3 {
                for i in 0..<(width * height) {
                    let sum = UInt32(pixel[0]) &* 19595 &+ UInt32(pixel[1]) &* 38470 &+ UInt32(pixel[2]) &* 7471
                    grey[i] = UInt8(truncatingIfNeeded: (sum &+ 0x8000) >> 16)
                    pixel += bands
                }
            } else {
                for i in 0..<(width * height) {
                    grey[i] = pixel[0]
                    pixel += bands
                }
            }
        }
        // Pillow resizes the axis that shrinks more first, except as below (its `ImagingResample` order).
        let small: [UInt8]
        if height - 32 > 2 * (width - 32) {
            let transposed = Self.transposed(grey, width: width, height: height)
            small = Self.transposed(Self.resample(transposed, width: height, height: width), width: 32, height: 32)
        } else {
            small = Self.resample(grey, width: width, height: height)
        }
        self.init(grey32: small.map(Double.init))
    }

    /// The hash of a 32×32 grey image (row by row).
    init(grey32 pixels: [Double]) {
        precondition(pixels.count == 32 * 32)
        // The 8 lowest frequencies along each axis: columns first (axis 0), then rows (axis 1), as scipy does.
        var columns = [Double](repeating: 0, count: 8 * 32)
        for k in 0..<8 {
            for x in 0..<32 {
                var sum = 0.0
                for y in 0..<32 { sum += pixels[y * 32 + x] * Self.cosines[k * 32 + y] }
                columns[k * 32 + x] = 2 * sum
            }
        }
        var coefficients = [Double](repeating: 0, count: 64)
        for k in 0..<8 {
            for j in 0..<8 {
                var sum = 0.0
                for x in 0..<32 { sum += columns[k * 32 + x] * Self.cosines[j * 32 + x] }
                // scipy's FFT gives exact zeros where a flat row or column cancels out; so must we, or the median
                // of a flat image would be decided by rounding noise.
                coefficients[k * 8 + j] = abs(sum) < 1e-6 ? 0 : 2 * sum
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

    // MARK: Pillow's Lanczos resample to 32×32

    /// One output pixel's source range and fixed-point (22-bit) weights, as Pillow's `precompute_coeffs` and
    /// `normalize_coeffs_8bpc` make them for its Lanczos filter (support 3).
    struct Coefficients {
        var starts: [Int]
        var counts: [Int]
        /// `stride` weights per output pixel.
        var weights: [Int32]
        var stride: Int

        init(inSize: Int, outSize: Int) {
            func lanczos(_ x: Double) -> Double {
                func sinc(_ v: Double) -> Double { v == 0 ? 1 : sin(v * .pi) / (v * .pi) }
                return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0
            }
            let scale = Double(inSize) / Double(outSize)
            let filterScale = max(scale, 1)
            let support = 3 * filterScale
            stride = Int(support.rounded(.up)) * 2 + 1
            starts = []
            counts = []
            weights = [Int32](repeating: 0, count: stride * outSize)
            for out in 0..<outSize {
                let centre = (Double(out) + 0.5) * scale
                let low = max(Int(centre - support + 0.5), 0)
                let high = min(Int(centre + support + 0.5), inSize)
                var row = (low..<high).map { lanczos((Double($0) - centre + 0.5) / filterScale) }
                let total = row.reduce(0, +)
                if total != 0 { row = row.map { $0 / total } }
                for (i, weight) in row.enumerated() {
                    let fixed = weight * Double(1 << 22)
                    weights[out * stride + i] = Int32(
                        weight < 0 ? (fixed - 0.5).rounded(.towardZero) : (fixed + 0.5).rounded(.towardZero))
                }
                starts.append(low)
                counts.append(row.count)
            }
        }
    }

    static func clip(_ sum: Int) -> UInt8 { UInt8(clamping: max(0, min(255, sum >> 22))) }

    /// Pillow's two-pass 8-bit resample to 32×32: horizontal first, over only the rows the vertical pass reads.
    static func resample(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        let horizontal = Coefficients(inSize: width, outSize: 32)
        let vertical = Coefficients(inSize: height, outSize: 32)
        var source = pixels
        var columns = width
        let first = vertical.starts[0]
        if width != 32 {
            let rows = vertical.starts[31] + vertical.counts[31] - first
            var temporary = [UInt8](repeating: 0, count: rows * 32)
            let stride = horizontal.stride
            pixels.withUnsafeBufferPointer { input in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    horizontal.starts.withUnsafeBufferPointer { starts in
                        horizontal.counts.withUnsafeBufferPointer { counts in
                            temporary.withUnsafeMutableBufferPointer { output in
                                for y in 0..<rows {
                                    let row = (y + first) * width
                                    for x in 0..<32 {
                                        var sum = 1 << 21
                                        let taps = weights.baseAddress! + x * stride
                                        let source = input.baseAddress! + row + starts[x]
                                        for i in 0..<counts[x] { sum &+= Int(source[i]) &* Int(taps[i]) }
                                        output[y * 32 + x] = clip(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            source = temporary
            columns = 32
        } else {
            source = Array(pixels[(first * width)...])
        }
        guard height != 32 else { return source }
        var result = [UInt8](repeating: 0, count: 32 * columns)
        for y in 0..<32 {
            for x in 0..<columns {
                var sum = 1 << 21
                let base = y * vertical.stride
                for i in 0..<vertical.counts[y] {
                    sum += Int(source[(vertical.starts[y] - first + i) * columns + x]) * Int(vertical.weights[base + i])
                }
                result[y * columns + x] = clip(sum)
            }
        }
        return result
    }

    static func transposed(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width { result[x * height + y] = pixels[y * width + x] }
        }
        return result
    }

    // MARK: Text form

    /// Parses 16 hex digits (`str(imagehash.phash(img))`).
    public init?(hex: String) {
        guard hex.count == 16, hex.allSatisfy(\.isHexDigit), let value = UInt64(hex, radix: 16) else { return nil }
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
