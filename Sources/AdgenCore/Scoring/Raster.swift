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
    /// The source pixels averaged into each raster pixel: a plane's value times this is a whole number, the block's
    /// sum.
    let blockArea: Int

    /// Interleaved 8-bit pixels (grey, grey + alpha, RGB or RGBA) averaged over `shrink` × `shrink` blocks (a box
    /// filter: cheap, and plenty for statistics), ignoring alpha. The same pass writes every pixel's 8-bit grey, as
    /// Pillow computes it (`PerceptualHash.grey(red:green:blue:)`), into `grey`, for the hash: the pixels are read
    /// once.
    init(
        pixels: UnsafeBufferPointer<UInt8>, width sourceWidth: Int, height sourceHeight: Int, bands: Int, shrink: Int,
        grey: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(pixels.count >= sourceWidth * sourceHeight * bands && grey.count >= sourceWidth * sourceHeight)
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
        blockArea = blockWidth * blockHeight
        let scale = 1 / Float(blockArea)
        let (columns, rows) = (width, height)
        // Block sums of the current row of blocks: red, green, blue per output column.
        var sums = [UInt32](repeating: 0, count: 3 * columns)
        let scan = Scan(
            blocks: columns, blockWidth: blockWidth, shrink: shrink, width: sourceWidth, bands: bands)
        red.withUnsafeMutableBufferPointer { red in
            green.withUnsafeMutableBufferPointer { green in
                blue.withUnsafeMutableBufferPointer { blue in
                    luma.withUnsafeMutableBufferPointer { luma in
                        sums.withUnsafeMutableBufferPointer { sums in
                            for y in 0..<sourceHeight {
                                let row = pixels.baseAddress! + y * sourceWidth * bands
                                let greyRow = grey.baseAddress! + y * sourceWidth
                                let (blockRow, line) = y.quotientAndRemainder(dividingBy: shrink)
                                guard blockRow < rows, line < blockHeight else {
                                    scan.grey(row, into: greyRow)
                                    continue
                                }
                                scan.greyAndSums(row, into: greyRow, sums: sums.baseAddress!)
                                guard line == blockHeight - 1 else { continue }
                                for x in 0..<columns {
                                    let index = blockRow * columns + x
                                    let (fr, fg, fb) = (
                                        Float(sums[3 * x]) * scale, Float(sums[3 * x + 1]) * scale,
                                        Float(sums[3 * x + 2]) * scale
                                    )
                                    red[index] = fr
                                    green[index] = fg
                                    blue[index] = fb
                                    luma[index] = fr * 0.299 + fg * 0.587 + fb * 0.114
                                }
                                sums.update(repeating: 0)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One row of the pass: Pillow's grey of every pixel and the red, green and blue sums of each block. The
    /// strides are constants in the common cases (RGB, RGBA) so the loops compile to plain loads and adds.
    struct Scan {
        let blocks: Int
        let blockWidth: Int
        let shrink: Int
        let width: Int
        let bands: Int

        /// Pillow's grey as three tables: `red[r] + green[g] + blue[b]`, shifted right by 16, is
        /// `PerceptualHash.grey(red: r, green: g, blue: b)` (the rounding constant is in `red`).
        static let tables: [UInt32] =
            (0..<256).map { UInt32($0) * 19595 + 0x8000 } + (0..<256).map { UInt32($0) * 38470 }
            + (0..<256).map { UInt32($0) * 7471 }

        func grey(_ row: UnsafePointer<UInt8>, into grey: UnsafeMutablePointer<UInt8>) {
            Self.tables.withUnsafeBufferPointer { tables in
                let tables = tables.baseAddress!
                switch bands {
                case 3: Self.grey(row, 0..<width, stride: 3, tables, into: grey)
                case 4: Self.grey(row, 0..<width, stride: 4, tables, into: grey)
                default: for x in 0..<width { grey[x] = row[x &* bands] }
                }
            }
        }

        func greyAndSums(
            _ row: UnsafePointer<UInt8>, into grey: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<UInt32>
        ) {
            Self.tables.withUnsafeBufferPointer { tables in
                let tables = tables.baseAddress!
                switch bands {
                case 3 where blockWidth == 3 && shrink == 3:
                    greyAndSums(row, stride: 3, block: 3, tables, into: grey, sums: sums)
                case 3: greyAndSums(row, stride: 3, tables, into: grey, sums: sums)
                case 4: greyAndSums(row, stride: 4, tables, into: grey, sums: sums)
                default:
                    for x in 0..<width { grey[x] = row[x &* bands] }
                    for block in 0..<blocks {
                        var sum: UInt32 = 0
                        for x in (block * shrink)..<(block * shrink + blockWidth) { sum &+= UInt32(grey[x]) }
                        sums[3 * block] &+= sum
                        sums[3 * block + 1] &+= sum
                        sums[3 * block + 2] &+= sum
                    }
                }
            }
        }

        @inline(__always)
        func greyAndSums(
            _ row: UnsafePointer<UInt8>, stride: Int, _ tables: UnsafePointer<UInt32>,
            into grey: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<UInt32>
        ) {
            greyAndSums(row, stride: stride, block: blockWidth, tables, into: grey, sums: sums)
        }

        @inline(__always)
        func greyAndSums(
            _ row: UnsafePointer<UInt8>, stride: Int, block blockWidth: Int, _ tables: UnsafePointer<UInt32>,
            into grey: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<UInt32>
        ) {
            for block in 0..<blocks {
                let start = block &* blockWidth
                var (r, g, b): (UInt32, UInt32, UInt32) = (0, 0, 0)
                for x in start..<(start &+ blockWidth) {
                    let (pr, pg, pb) = (row[x &* stride], row[x &* stride &+ 1], row[x &* stride &+ 2])
                    r &+= UInt32(pr)
                    g &+= UInt32(pg)
                    b &+= UInt32(pb)
                    grey[x] = Self.grey(pr, pg, pb, tables)
                }
                sums[3 &* block] &+= r
                sums[3 &* block &+ 1] &+= g
                sums[3 &* block &+ 2] &+= b
            }
            // Columns past the last whole block: grey only.
            Self.grey(row, min(blocks &* shrink, width)..<width, stride: stride, tables, into: grey)
        }

        @inline(__always)
        static func grey(
            _ row: UnsafePointer<UInt8>, _ columns: Range<Int>, stride: Int, _ tables: UnsafePointer<UInt32>,
            into grey: UnsafeMutablePointer<UInt8>
        ) {
            for x in columns {
                grey[x] = Self.grey(row[x &* stride], row[x &* stride &+ 1], row[x &* stride &+ 2], tables)
            }
        }

        @inline(__always)
        static func grey(_ red: UInt8, _ green: UInt8, _ blue: UInt8, _ tables: UnsafePointer<UInt32>) -> UInt8 {
            let sum = tables[Int(red)] &+ tables[256 &+ Int(green)] &+ tables[512 &+ Int(blue)]
            return UInt8(truncatingIfNeeded: sum >> 16)
        }
    }

    /// WCAG relative luminance at raster pixel `index`, as `WCAG.luminance` computes it from the planes' values,
    /// with the channels looked up in `table` (`wcagChannels()`) instead of a `pow` each.
    @inline(__always)
    func wcagLuminance(at index: Int, table: UnsafeBufferPointer<Double>) -> Double {
        let area = Float(blockArea)
        let r = table[Int(red[index] * area + 0.5)]
        let g = table[Int(green[index] * area + 0.5)]
        let b = table[Int(blue[index] * area + 0.5)]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    }

    /// `WCAG.channel` of every value a plane can hold, by block sum: a plane value is a block sum over
    /// `blockArea`, so `Int(value × blockArea + 0.5)` finds its entry, which is exactly `WCAG.channel(value)`.
    func wcagChannels() -> [Double] {
        let scale = 1 / Float(blockArea)
        return (0...(255 * blockArea)).map { WCAG.channel(Double(Float($0) * scale)) }
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
