import CVips

/// A rectangle in pixels.
public struct PixelBox: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    /// Creates a box.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Its area in pixels.
    public var area: Int { max(0, width) * max(0, height) }

    /// The part it shares with `other`, or nil when they do not meet.
    public func intersection(_ other: PixelBox) -> PixelBox? {
        let left = max(x, other.x)
        let top = max(y, other.y)
        let right = min(x + width, other.x + other.width)
        let bottom = min(y + height, other.y + other.height)
        guard right > left, bottom > top else { return nil }
        return PixelBox(x: left, y: top, width: right - left, height: bottom - top)
    }
}

extension Image {
    /// An 8-bit image made from interleaved pixels (`width × height × bands` bytes, row by row): sRGB with 3 or 4
    /// bands, grey with 1 or 2.
    public static func pixels(_ bytes: [UInt8], width: Int, height: Int, bands: Int) throws(ImagingError) -> Image {
        _ = Vips.started
        guard width > 0, height > 0, (1...4).contains(bands), bytes.count == width * height * bands else {
            throw ImagingError(
                .operation, "\(bytes.count) bytes are not a \(width)×\(height) image of \(bands) bands")
        }
        let made = bytes.withUnsafeBytes {
            adgen_from_pixels($0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands))
        }
        guard let made else {
            throw ImagingError(.operation, "making an image from pixels failed: \(Vips.lastError())")
        }
        return Image(owning: made)
    }

    /// How a cutout's alpha covers it, from one pass over its pixels.
    public struct Transparency: Sendable, Hashable {
        /// The share of pixels that are at least partly transparent (alpha below 250); 0 without an alpha band.
        public var share: Double
        /// The smallest box holding every pixel whose alpha is above the threshold asked for (the whole image
        /// without an alpha band); nil when every pixel is (nearly) transparent.
        public var visible: PixelBox?
    }

    /// Its transparency: the share of (partly) transparent pixels, and the box of those whose alpha is above
    /// `threshold`.
    public func transparency(threshold: UInt8 = 8) throws(ImagingError) -> Transparency {
        guard hasAlpha else {
            return Transparency(share: 0, visible: PixelBox(x: 0, y: 0, width: width, height: height))
        }
        let pixels = try pixelBytes()
        let bands = self.bands
        var (left, top, right, bottom) = (width, height, -1, -1)
        var transparent = 0
        for y in 0..<height {
            let row = y * width * bands
            for x in 0..<width {
                let alpha = pixels[row + x * bands + bands - 1]
                if alpha < 250 { transparent += 1 }
                if alpha > threshold {
                    left = min(left, x)
                    right = max(right, x)
                    top = min(top, y)
                    bottom = max(bottom, y)
                }
            }
        }
        let share = Double(transparent) / Double(max(1, width * height))
        guard right >= left else { return Transparency(share: share, visible: nil) }
        return Transparency(
            share: share, visible: PixelBox(x: left, y: top, width: right - left + 1, height: bottom - top + 1))
    }

    /// The alpha band as a one-band image (an opaque one when the image has no alpha).
    public func alphaBand() throws(ImagingError) -> Image {
        let source = try normalised()
        guard source.hasAlpha else {
            return try Vips.run("taking the alpha band") { adgen_black($0, Int32(width), Int32(height), 1) }
                .inverted()
        }
        let band = Int32(source.bands - 1)
        return try Vips.run("taking the alpha band") { adgen_extract_band(source.pointer, $0, band, 1) }
    }

    /// 255 minus every value.
    func inverted() throws(ImagingError) -> Image {
        var scale = [-1.0]
        var offset = [255.0]
        let source = self
        let linear = try Vips.run("inverting") { adgen_linear(source.pointer, $0, &scale, &offset, 1) }
        return try Vips.run("converting to 8 bits") { adgen_cast_uchar(linear.pointer, $0) }
    }

    /// The image as 8-bit sRGB with an alpha band (opaque where it had none), in memory.
    public func rgba() throws(ImagingError) -> Image {
        try withAlpha().materialized()
    }

    /// Where a viewer's eye goes: libvips' attention measure (skin, saturation, edges) on a 32 × 32 grid over the
    /// image, row by row from the top-left, each cell's score ≥ 0.
    public func attentionGrid() throws(ImagingError) -> [Float] {
        try attentionScores()
    }
}
