import CVips

/// A copy of an image that overlays are drawn into in place: text and shape masks in a colour, gradients across
/// whole rows, rounded rectangles, RGBA images. Each costs only the pixels it covers, in 8-bit integer
/// arithmetic, with no intermediate images (as Pillow's `ImageDraw` works); the result is the same as compositing
/// each overlay `over` the picture, within one level in 255.
///
/// Made by `Image.drawing(_:)`, which owns the pixels for the length of its closure; being non-copyable, a
/// `Drawing` cannot outlive it.
public struct Drawing: ~Copyable {
    /// The canvas: an 8-bit sRGB memory image with 3 or 4 bands, referenced by nothing else.
    let canvas: Image

    /// Width in pixels.
    public var width: Int { canvas.width }
    /// Height in pixels.
    public var height: Int { canvas.height }

    init(canvas: Image) { self.canvas = canvas }

    /// `color` through a one-band `mask` (a text or shape coverage mask) with its top-left corner at `x, y`; the
    /// colour's alpha scales the mask.
    public mutating func fill(_ color: RGBA, mask: Image, x: Int, y: Int) throws(ImagingError) {
        let pixels = try mask.oneBandPixels()
        withInk(color) { ink in
            adgen_draw_mask(
                canvas.pointer, adgen_pixels(pixels.pointer), Int32(pixels.width), Int32(pixels.height), Int32(x),
                Int32(y), ink)
        }
    }

    /// `color` across whole rows from `top` down, row `i` covered by `coverage[i]` (0 to 255) times the colour's
    /// alpha: a vertical gradient the width of the canvas.
    public mutating func fillRows(_ color: RGBA, top: Int, coverage: [UInt8]) {
        let scaled = color.alpha == 255 ? coverage : coverage.map { UInt8((Int($0) * Int(color.alpha) + 127) / 255) }
        withInk(color) { ink in
            scaled.withUnsafeBufferPointer { rows in
                adgen_draw_rows(canvas.pointer, Int32(top), Int32(rows.count), rows.baseAddress, ink)
            }
        }
    }

    /// A rectangle of `color` at `x, y`, its corners rounded by `cornerRadius` pixels (at most half its shorter
    /// side), its edges anti-aliased.
    public mutating func fill(
        _ color: RGBA, x: Int, y: Int, width: Int, height: Int, cornerRadius: Double = 0
    ) {
        withInk(color) { ink in
            adgen_draw_rounded_rect(
                canvas.pointer, Int32(x), Int32(y), Int32(width), Int32(height), cornerRadius, ink)
        }
    }

    /// `overlay` drawn over the canvas with its top-left corner at `x, y`, blended by its alpha (opaque when it has
    /// none).
    public mutating func draw(_ overlay: Image, x: Int, y: Int) throws(ImagingError) {
        let rgba = try overlay.withAlpha().materialized()
        guard rgba.bands == 4 else {
            throw ImagingError(.operation, "drawing a \(rgba.bands)-band image: expected RGBA")
        }
        adgen_draw_rgba(
            canvas.pointer, adgen_pixels(rgba.pointer), Int32(rgba.width), Int32(rgba.height), Int32(x), Int32(y))
    }

    private func withInk(_ color: RGBA, _ body: (UnsafePointer<UInt8>) -> Void) {
        let ink = [color.red, color.green, color.blue, color.alpha]
        ink.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension Image {
    /// A copy of this image, as 8-bit sRGB (alpha kept), with whatever `body` draws on it.
    public func drawing(_ body: (inout Drawing) throws -> Void) throws -> Image {
        var source = try normalised()
        if source.bands < 3 {
            let grey = source
            source = try Vips.run("converting to colour") {
                adgen_colourspace(grey.pointer, $0, VIPS_INTERPRETATION_sRGB)
            }
            source = try source.normalised()
        }
        guard let copy = adgen_memory_copy(source.pointer) else {
            throw ImagingError(.operation, "copying the image to draw on failed: \(Vips.lastError())")
        }
        var drawing = Drawing(canvas: Image(owning: copy))
        try body(&drawing)
        return drawing.canvas
    }

    /// The first band, 8-bit, in memory, to read its pixels.
    func oneBandPixels() throws(ImagingError) -> Image {
        var image = self
        if image.bands != 1 {
            let source = image
            image = try Vips.run("taking the first band") { adgen_extract_band(source.pointer, $0, 0, 1) }
        }
        if vips_image_get_format(image.pointer) != VIPS_FORMAT_UCHAR {
            let source = image
            image = try Vips.run("converting to 8 bits") { adgen_cast_uchar(source.pointer, $0) }
        }
        return try image.materialized()
    }
}
