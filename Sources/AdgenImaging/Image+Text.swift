import CVips

/// Horizontal alignment of text lines.
public enum TextAlignment: Sendable {
    case leading, centre, trailing

    var vips: VipsAlign {
        switch self {
        case .leading: VIPS_ALIGN_LOW
        case .centre: VIPS_ALIGN_CENTRE
        case .trailing: VIPS_ALIGN_HIGH
        }
    }
}

/// Text rendered by Pango through libvips, as a coverage mask ready to be coloured.
public struct RenderedText: Sendable {
    /// One band: 0 where there is no ink, 255 where there is.
    public var mask: Image
    /// The resolution the text was set at (72 dpi: 1 pt = 1 px); smaller when it was shrunk to fit a box.
    public var dpi: Int
}

extension Image {
    /// Renders `markup` (Pango markup: `<b>`, `<span foreground=…>`; escape `&`, `<` and `>`) in `font`
    /// (a fontconfig name with a size, e.g. `DejaVu Sans Bold 48`), wrapped at `width` pixels; with `height`,
    /// at the largest size that fits `width` × `height`.
    public static func text(
        _ markup: String, font: String, width: Int? = nil, height: Int? = nil, alignment: TextAlignment = .leading,
        dpi: Int = 72
    ) throws(ImagingError) -> RenderedText {
        var fitted: Int32 = 0
        let mask = try Vips.run("rendering text in '\(font)'", .font) { output in
            adgen_text(output, markup, font, Int32(width ?? 0), Int32(height ?? 0), alignment.vips, Int32(dpi), &fitted)
        }
        return RenderedText(mask: mask, dpi: fitted > 0 ? Int(fitted) : dpi)
    }

    /// A solid `color` image shaped by this one-band mask (text, shapes), with the mask as alpha.
    public func coloured(_ color: RGBA) throws(ImagingError) -> Image {
        let ink = try Image.solid(width: width, height: height, color: color)
        let rgb = try Vips.run("colouring") { adgen_extract_band(ink.pointer, $0, 0, 3) }
        let mask = self
        var alpha = mask
        if color.alpha != 255 {
            var scale = [Double(color.alpha) / 255]
            var offset = [0.0]
            alpha = try Vips.run("fading") { adgen_linear(mask.pointer, $0, &scale, &offset, 1) }
        }
        let shaped = alpha
        let joined = try Vips.run("shaping") { adgen_bandjoin2(rgb.pointer, shaped.pointer, $0) }
        return try joined.tagged(as: VIPS_INTERPRETATION_sRGB)
    }
}
