import AdgenImaging

/// An image's pixels as the scorer reads them: 8-bit RGB planes as `Float`s and the luminance plane, at a
/// working resolution shared by every check (one decode, one box-filter downsample).
struct Raster {
    let width: Int
    let height: Int
    var red: [Float]
    var green: [Float]
    var blue: [Float]
    /// Rec. 601 luma (0…255), as imaging libraries compute grey.
    var luma: [Float]

    /// The pixels of `image`, ignoring transparency (a fully transparent image scores its stored colours).
    init(_ image: Image) throws {
        let bytes = try image.pixelBytes()
        self = bytes.withUnsafeBufferPointer {
            Raster(pixels: $0, width: image.width, height: image.height, bands: image.bands, shrink: 1)
        }
    }

    /// Interleaved 8-bit pixels averaged over `shrink` × `shrink` blocks (a box filter: cheap, and plenty for
    /// statistics), ignoring alpha.
    init(pixels: UnsafeBufferPointer<UInt8>, width sourceWidth: Int, height sourceHeight: Int, bands: Int, shrink: Int)
    {
        let shrink = max(1, shrink)
        width = max(1, sourceWidth / shrink)
        height = max(1, sourceHeight / shrink)
        let count = width * height
        red = [Float](repeating: 0, count: count)
        green = red
        blue = red
        luma = red
        let blockWidth = min(shrink, sourceWidth)
        let blockHeight = min(shrink, sourceHeight)
        let scale = 1 / Float(blockWidth * blockHeight)
        let base = pixels.baseAddress!
        red.withUnsafeMutableBufferPointer { red in
            green.withUnsafeMutableBufferPointer { green in
                blue.withUnsafeMutableBufferPointer { blue in
                    luma.withUnsafeMutableBufferPointer { luma in
                        for y in 0..<height {
                            for x in 0..<width {
                                var (r, g, b): (UInt32, UInt32, UInt32) = (0, 0, 0)
                                for dy in 0..<blockHeight {
                                    var pixel = base + ((y * shrink + dy) * sourceWidth + x * shrink) * bands
                                    for _ in 0..<blockWidth {
                                        if bands >= 3 {
                                            r &+= UInt32(pixel[0])
                                            g &+= UInt32(pixel[1])
                                            b &+= UInt32(pixel[2])
                                        } else {
                                            let grey = UInt32(pixel[0])
                                            r &+= grey
                                            g &+= grey
                                            b &+= grey
                                        }
                                        pixel += bands
                                    }
                                }
                                let index = y * width + x
                                let (fr, fg, fb) = (Float(r) * scale, Float(g) * scale, Float(b) * scale)
                                red[index] = fr
                                green[index] = fg
                                blue[index] = fb
                                luma[index] = fr * 0.299 + fg * 0.587 + fb * 0.114
                            }
                        }
                    }
                }
            }
        }
    }

    /// The variance of the 4-neighbour Laplacian of luma: high for crisp edges, low for blur.
    func laplacianVariance() -> Double {
        guard width >= 3, height >= 3 else { return 0 }
        var sum = 0.0
        var squares = 0.0
        var count = 0.0
        luma.withUnsafeBufferPointer { l in
            for y in 1..<(height - 1) {
                let row = y * width
                var rowSum: Float = 0
                var rowSquares: Float = 0
                for x in 1..<(width - 1) {
                    let i = row + x
                    let value = l[i - 1] + l[i + 1] + l[i - width] + l[i + width] - 4 * l[i]
                    rowSum += value
                    rowSquares += value * value
                }
                sum += Double(rowSum)
                squares += Double(rowSquares)
                count += Double(width - 2)
            }
        }
        let mean = sum / count
        return max(0, squares / count - mean * mean)
    }

    /// Hasler and Süsstrunk's colourfulness metric (0 for grey; about 33 moderately, 59 quite, 82 highly
    /// colourful).
    func colourfulness() -> Double {
        let count = Double(red.count)
        guard count > 0 else { return 0 }
        var sumRG = 0.0
        var sumYB = 0.0
        var squaresRG = 0.0
        var squaresYB = 0.0
        for index in 0..<red.count {
            let rg = Double(red[index] - green[index])
            let yb = Double(0.5 * (red[index] + green[index]) - blue[index])
            sumRG += rg
            sumYB += yb
            squaresRG += rg * rg
            squaresYB += yb * yb
        }
        let meanRG = sumRG / count
        let meanYB = sumYB / count
        let deviation = (max(0, squaresRG / count - meanRG * meanRG) + max(0, squaresYB / count - meanYB * meanYB))
            .squareRoot()
        let mean = (meanRG * meanRG + meanYB * meanYB).squareRoot()
        return deviation + 0.3 * mean
    }
}
