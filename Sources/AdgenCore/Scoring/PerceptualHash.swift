import AdgenImaging
import Foundation
import Synchronization

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
        self.init(
            grey: Self.grey(pixels: pixels, width: width, height: height, bands: bands), width: width, height: height)
    }

    /// Interleaved 8-bit pixels as 8-bit grey (`grey(red:green:blue:)`; a grey image's first band as it is).
    static func grey(pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, bands: Int) -> [UInt8] {
        precondition(pixels.count >= width * height * bands)
        let scan = Raster.Scan(blocks: 0, blockWidth: 0, shrink: 1, width: width, bands: bands)
        return [UInt8](unsafeUninitializedCapacity: width * height) { grey, count in
            for y in 0..<height {
                scan.grey(pixels.baseAddress! + y * width * bands, into: grey.baseAddress! + y * width)
            }
            count = width * height
        }
    }

    /// Pillow's 8-bit grey of an sRGB pixel: `L = R × 299/1000 + G × 587/1000 + B × 114/1000` in 16-bit fixed
    /// point, rounded.
    @inline(__always)
    static func grey(red: UInt8, green: UInt8, blue: UInt8) -> UInt8 {
        let sum = UInt32(red) &* 19595 &+ UInt32(green) &* 38470 &+ UInt32(blue) &* 7471
        return UInt8(truncatingIfNeeded: (sum &+ 0x8000) >> 16)
    }

    /// The hash of an 8-bit grey image, row by row.
    init(grey: [UInt8], width: Int, height: Int) {
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
    struct Coefficients: Sendable {
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

        /// The coefficients from `inSize` pixels to 32, made once per size.
        static func to32(from inSize: Int) -> Coefficients {
            if let coefficients = cache.withLock({ $0[inSize] }) { return coefficients }
            let coefficients = Coefficients(inSize: inSize, outSize: 32)
            cache.withLock { cache in
                if cache.count >= 64 { cache.removeAll() }
                cache[inSize] = coefficients
            }
            return coefficients
        }

        static let cache = Mutex<[Int: Coefficients]>([:])
    }

    static func clip(_ sum: Int) -> UInt8 { UInt8(clamping: max(0, min(255, sum >> 22))) }

    /// Pillow's two-pass 8-bit resample to 32×32: horizontal first, over only the rows the vertical pass reads.
    /// Sums are 32-bit with wrap-around, as Pillow's `int` sums are; they never leave 32 bits (the weights add up
    /// to 2²² and each pixel is at most 255), so the result is the exact fixed-point sum Pillow rounds.
    static func resample(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        let vertical = Coefficients.to32(from: height)
        let first = vertical.starts[0]
        let rows = vertical.starts[31] + vertical.counts[31] - first
        let source: [UInt8]
        if width != 32 {
            source = pixels.withUnsafeBufferPointer { input in
                horizontalPass(input, width: width, rows: first..<(first + rows))
            }
        } else {
            source = Array(pixels[(first * width)..<((first + rows) * width)])
        }
        guard height != 32 else { return source }
        // Vertical: each output row is a weighted sum of whole 32-pixel source rows.
        var result = [UInt8](repeating: 0, count: 32 * 32)
        source.withUnsafeBufferPointer { source in
            for y in 0..<32 {
                var low = SIMD16<Int32>(repeating: 1 << 21)
                var high = low
                let base = y * vertical.stride
                for i in 0..<vertical.counts[y] {
                    let row = UnsafeRawPointer(source.baseAddress! + (vertical.starts[y] - first + i) * 32)
                    let weight = SIMD16<Int32>(repeating: vertical.weights[base + i])
                    low &+= SIMD16<Int32>(truncatingIfNeeded: row.loadUnaligned(as: SIMD16<UInt8>.self)) &* weight
                    high &+=
                        SIMD16<Int32>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self))
                        &* weight
                }
                for x in 0..<16 {
                    result[y * 32 + x] = clip(Int(low[x]))
                    result[y * 32 + 16 + x] = clip(Int(high[x]))
                }
            }
        }
        return result
    }

    /// The horizontal pass of `resample`: each of `rows` of the grey image to 32 pixels.
    static func horizontalPass(_ input: UnsafeBufferPointer<UInt8>, width: Int, rows: Range<Int>) -> [UInt8] {
        let taps = HorizontalTaps.to32(from: width)
        return [UInt8](unsafeUninitializedCapacity: rows.count * 32) { output, count in
            taps.low.withUnsafeBufferPointer { low in
                taps.high.withUnsafeBufferPointer { high in
                    let end = input.baseAddress! + input.count
                    for (y, sourceRow) in rows.enumerated() {
                        let row = input.baseAddress! + sourceRow * width
                        for x in 0..<32 {
                            let source = row + taps.coefficients.starts[x]
                            let offset = x * taps.stride
                            let total: Int32
                            if source + taps.padded[x] <= end {
                                total = taps.sum(source, low.baseAddress! + offset, high.baseAddress! + offset, x)
                            } else {
                                // The last pixels of the image: no reading past its end.
                                let weights = taps.coefficients.weights
                                var sum = Int32(1 << 21)
                                for i in 0..<taps.coefficients.counts[x] {
                                    sum &+= Int32(source[i]) &* weights[x * taps.coefficients.stride + i]
                                }
                                total = sum
                            }
                            output[y * 32 + x] = clip(Int(total))
                        }
                    }
                }
            }
            count = rows.count * 32
        }
    }

    /// The horizontal weights split for 16-bit multiplies: each 22-bit weight `w` is `high × 2¹¹ + low` with
    /// `low` in 0..<2048, so `pixel × low` and `pixel × high` fit the 16-bit × 16-bit products that sum pairwise into
    /// 32 bits (one `pmaddwd` per 8 taps on x86), and `Σ pixel × high × 2¹¹ + Σ pixel × low` is Pillow's sum.
    /// Padded with zero weights to a multiple of 8 taps.
    struct HorizontalTaps: Sendable {
        let coefficients: Coefficients
        let stride: Int
        let low: [Int16]
        let high: [Int16]
        /// Each output's tap count rounded up to a multiple of 8.
        let padded: [Int]

        init(inSize: Int) {
            coefficients = Coefficients(inSize: inSize, outSize: 32)
            stride = (coefficients.stride + 7) / 8 * 8
            var low = [Int16](repeating: 0, count: stride * 32)
            var high = low
            for x in 0..<32 {
                for i in 0..<coefficients.counts[x] {
                    let weight = coefficients.weights[x * coefficients.stride + i]
                    low[x * stride + i] = Int16(weight & 0x7FF)
                    high[x * stride + i] = Int16(weight >> 11)
                }
            }
            self.low = low
            self.high = high
            padded = coefficients.counts.map { ($0 + 7) / 8 * 8 }
        }

        /// Pillow's rounded sum for output `x`, whose first source pixel is at `source`.
        @inline(__always)
        func sum(
            _ source: UnsafePointer<UInt8>, _ low: UnsafePointer<Int16>, _ high: UnsafePointer<Int16>, _ x: Int
        ) -> Int32 {
            var sumLow = SIMD4<Int32>()
            var sumHigh = SIMD4<Int32>()
            for i in Swift.stride(from: 0, to: padded[x], by: 8) {
                let bytes = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt8>.self)
                let lows = UnsafeRawPointer(low + i).loadUnaligned(as: SIMD8<Int16>.self)
                let highs = UnsafeRawPointer(high + i).loadUnaligned(as: SIMD8<Int16>.self)
                let pixels = SIMD8<Int32>(truncatingIfNeeded: bytes)
                let productsLow = pixels &* SIMD8<Int32>(truncatingIfNeeded: lows)
                let productsHigh = pixels &* SIMD8<Int32>(truncatingIfNeeded: highs)
                sumLow &+= productsLow.evenHalf &+ productsLow.oddHalf
                sumHigh &+= productsHigh.evenHalf &+ productsHigh.oddHalf
            }
            return (sumHigh &<< 11 &+ sumLow).wrappedSum() &+ (1 << 21)
        }

        /// The taps from `inSize` pixels to 32, made once per size.
        static func to32(from inSize: Int) -> HorizontalTaps {
            if let taps = cache.withLock({ $0[inSize] }) { return taps }
            let taps = HorizontalTaps(inSize: inSize)
            cache.withLock { cache in
                if cache.count >= 64 { cache.removeAll() }
                cache[inSize] = taps
            }
            return taps
        }

        static let cache = Mutex<[Int: HorizontalTaps]>([:])
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
