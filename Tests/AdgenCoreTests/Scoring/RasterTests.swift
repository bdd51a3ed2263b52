import AdgenImaging
import Foundation
import Testing

@testable import AdgenCore

/// The scorer's one pass over the pixels and its shortcuts give exactly what the plain computations give.
@Suite struct RasterTests {
    /// Deterministic noisy pixels.
    static func pixels(width: Int, height: Int, bands: Int, seed: UInt64 = 7) -> [UInt8] {
        var state = seed
        return (0..<(width * height * bands)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test(arguments: [(37, 23, 3, 3), (64, 64, 4, 2), (50, 9, 1, 4), (31, 40, 2, 5), (5, 5, 3, 8), (2, 7, 3, 3)])
    func theOnePassGivesPillowsGreyAndTheBoxFilteredPlanes(
        _ width: Int, _ height: Int, _ bands: Int, _ shrink: Int
    ) {
        let pixels = Self.pixels(width: width, height: height, bands: bands)
        var grey = [UInt8](repeating: 0, count: width * height)
        let raster = pixels.withUnsafeBufferPointer { buffer in
            grey.withUnsafeMutableBufferPointer {
                Raster(pixels: buffer, width: width, height: height, bands: bands, shrink: shrink, grey: $0)
            }
        }
        let expectedGrey = (0..<(width * height)).map { i in
            let p = i * bands
            return bands >= 3
                ? PerceptualHash.grey(red: pixels[p], green: pixels[p + 1], blue: pixels[p + 2]) : pixels[p]
        }
        #expect(grey == expectedGrey)
        for i in 0..<(width * height) where bands >= 3 {
            let p = i * bands
            let (r, g, b) = (Double(pixels[p]), Double(pixels[p + 1]), Double(pixels[p + 2]))
            // Pillow's ImagingConvert: L = R × 299/1000 + G × 587/1000 + B × 114/1000, rounded.
            #expect(abs(Double(grey[i]) - (r * 0.299 + g * 0.587 + b * 0.114)) <= 0.5 + 1e-3)
        }
        // The planes: the mean of each whole shrink × shrink block.
        #expect(raster.width == max(1, width / shrink) && raster.height == max(1, height / shrink))
        let (blockWidth, blockHeight) = (min(shrink, width), min(shrink, height))
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                var sum = 0
                for dy in 0..<blockHeight {
                    for dx in 0..<blockWidth {
                        sum += Int(pixels[((y * shrink + dy) * width + x * shrink + dx) * bands])
                    }
                }
                let mean = Float(sum) * (1 / Float(blockWidth * blockHeight))
                #expect(raster.red[y * raster.width + x] == mean)
                if bands < 3 { #expect(raster.blue[y * raster.width + x] == mean) }
            }
        }
    }

    @Test func theLuminanceTableGivesWCAGsLuminanceExactly() {
        for shrink in [1, 2, 3, 5] {
            let pixels = Self.pixels(width: 40, height: 30, bands: 3, seed: UInt64(shrink))
            var grey = [UInt8](repeating: 0, count: 40 * 30)
            let raster = pixels.withUnsafeBufferPointer { buffer in
                grey.withUnsafeMutableBufferPointer {
                    Raster(pixels: buffer, width: 40, height: 30, bands: 3, shrink: shrink, grey: $0)
                }
            }
            let table = raster.wcagChannels()
            table.withUnsafeBufferPointer { table in
                for i in 0..<raster.red.count {
                    let exact = WCAG.luminance(
                        red: Double(raster.red[i]), green: Double(raster.green[i]), blue: Double(raster.blue[i]))
                    #expect(raster.wcagLuminance(at: i, table: table) == exact)
                }
            }
        }
    }

    @Test func selectFindsWhatSortingPutsThere() {
        var state: UInt64 = 3
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 40)
        }
        let cases: [[Double]] = [
            [4], [2, 1], (0..<1000).map { _ in next() }, (0..<500).map { Double($0) },
            (0..<500).map { Double(500 - $0) }, [Double](repeating: 0.25, count: 300),
            (0..<999).map { _ in Double(Int(next()) % 3) },
        ]
        for values in cases {
            let sorted = values.sorted()
            for k in Set([0, values.count / 10, values.count / 2, (values.count - 1) * 9 / 10, values.count - 1]) {
                var scratch = values
                #expect(Scorer.select(k, in: &scratch) == sorted[k])
            }
        }
    }
}
