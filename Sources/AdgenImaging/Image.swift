import CVips
import Foundation
import Synchronization

/// An image in memory, owned by adgen's imaging layer: every operation returns a new `Image`; no libvips
/// pointer leaves this module.
public final class Image: @unchecked Sendable {
    // Safe to share across threads: a VipsImage is never modified after creation, and libvips operations on
    // it are thread-safe; the reference is released once, in deinit. The analysis proxy is behind a lock.
    let pointer: UnsafeMutablePointer<VipsImage>
    /// What crops are placed by, worked out on first use (`analysisProxy()`, `attentionScores()`).
    let analysis = Mutex(CropAnalysis())

    init(owning pointer: UnsafeMutablePointer<VipsImage>) {
        self.pointer = pointer
    }

    deinit { adgen_vips_unref(pointer) }

    /// Width in pixels.
    public var width: Int { Int(vips_image_get_width(pointer)) }
    /// Height in pixels.
    public var height: Int { Int(vips_image_get_height(pointer)) }
    /// Number of bands (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA or CMYK).
    public var bands: Int { Int(vips_image_get_bands(pointer)) }
    /// Whether the last band is alpha.
    public var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }

    /// Limits on what is decoded, so a hostile file cannot exhaust memory.
    public struct Limits: Sendable {
        /// The most pixels (width × height) decoded; larger images are refused before their pixels are read.
        public var maxPixels: Int = 8192 * 8192

        /// The defaults.
        public init(maxPixels: Int = 8192 * 8192) { self.maxPixels = maxPixels }
    }

    /// Decodes PNG, JPEG, WebP, GIF, TIFF or SVG bytes into memory as 8-bit sRGB (with alpha when the image
    /// has it). Corrupt, truncated and over-limit images are errors.
    public static func decode(_ bytes: [UInt8], limits: Limits = .init()) throws(ImagingError) -> Image {
        _ = Vips.started
        guard !bytes.isEmpty else { throw ImagingError(.decode, "the image is empty (0 bytes)") }
        let lazy = bytes.withUnsafeBytes { adgen_load_buffer($0.baseAddress, $0.count) }
        guard let lazy else {
            let reason = Vips.lastError()
            throw ImagingError(
                .decode,
                reason.isEmpty
                    ? "its bytes are not an image format libvips reads (PNG, JPEG, WebP, AVIF, GIF, TIFF, SVG)"
                    : "not a readable image: \(reason)")
        }
        let header = Image(owning: lazy)
        guard header.width * header.height <= limits.maxPixels else {
            throw ImagingError.tooLarge(width: header.width, height: header.height, limit: limits.maxPixels)
        }
        // Decode now, while `bytes` is alive: later operations never read the caller's buffer.
        let decoded: Image
        do {
            decoded = try header.normalised()
        } catch {
            throw ImagingError(.decode, "the image could not be decoded (corrupt or truncated?): \(error.message)")
        }
        guard let memory = adgen_copy_memory(decoded.pointer) else {
            throw ImagingError(.decode, "the image could not be decoded (corrupt or truncated?): \(Vips.lastError())")
        }
        return Image(owning: memory)
    }

    /// Reads and decodes the file at `path`.
    public static func load(path: String, limits: Limits = .init()) throws(ImagingError) -> Image {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImagingError(.decode, "cannot read \(path): no such file, or no permission")
        }
        do {
            return try decode([UInt8](data), limits: limits)
        } catch {
            throw ImagingError(error.code, "\(path): \(error.message)")
        }
    }

    /// 8-bit sRGB (or grey), with alpha kept: what the pipeline and the encoders expect.
    func normalised() throws(ImagingError) -> Image {
        var image = self
        let interpretation = vips_image_get_interpretation(pointer)
        if interpretation != VIPS_INTERPRETATION_sRGB && interpretation != VIPS_INTERPRETATION_B_W {
            image = try Vips.run("converting to sRGB") {
                adgen_colourspace(image.pointer, $0, VIPS_INTERPRETATION_sRGB)
            }
        }
        if vips_image_get_format(image.pointer) != VIPS_FORMAT_UCHAR {
            let source = image
            image = try Vips.run("converting to 8 bits") { adgen_cast_uchar(source.pointer, $0) }
        }
        return image
    }

    /// A solid image of `color`.
    public static func solid(width: Int, height: Int, color: RGBA) throws(ImagingError) -> Image {
        let black = try Vips.run("creating an image") { adgen_black($0, Int32(width), Int32(height), 4) }
        var scale = [0.0, 0, 0, 0]
        var offset = [Double(color.red), Double(color.green), Double(color.blue), Double(color.alpha)]
        let filled = try Vips.run("filling an image") { output in
            adgen_linear(black.pointer, output, &scale, &offset, 4)
        }
        return try filled.tagged(as: VIPS_INTERPRETATION_sRGB)
    }

    /// Renders an SVG document (shapes with anti-aliased edges: rounded buttons, bars).
    public static func svg(_ document: String) throws(ImagingError) -> Image {
        _ = Vips.started
        let bytes = Array(document.utf8)
        let lazy = bytes.withUnsafeBytes { adgen_svg($0.baseAddress, $0.count) }
        guard let lazy, let memory = adgen_copy_memory(lazy) else {
            throw ImagingError(.operation, "rendering SVG failed: \(Vips.lastError())")
        }
        adgen_vips_unref(lazy)
        return Image(owning: memory)
    }

    /// The same pixels, labelled with another interpretation.
    func tagged(as interpretation: VipsInterpretation) throws(ImagingError) -> Image {
        let source = self
        return try Vips.run("labelling an image") { output in
            adgen_copy_interpretation(source.pointer, output, interpretation)
        }
    }
}

/// An 8-bit colour with alpha.
public struct RGBA: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public var alpha: UInt8

    /// Creates a colour.
    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `#RRGGBB` or `#RRGGBBAA`; nil otherwise.
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? hex.dropFirst() : Substring(hex)
        guard digits.count == 6 || digits.count == 8, let value = UInt32(digits, radix: 16) else { return nil }
        let full = digits.count == 6 ? value << 8 | 0xFF : value
        self.init(
            red: UInt8(full >> 24), green: UInt8((full >> 16) & 0xFF), blue: UInt8((full >> 8) & 0xFF),
            alpha: UInt8(full & 0xFF))
    }

    /// `#RRGGBB`, or `#RRGGBBAA` when not opaque.
    public var hex: String {
        let rgb = [red, green, blue] + (alpha == 255 ? [] : [alpha])
        return "#" + rgb.map { String($0, radix: 16, uppercase: true).leftPadded(2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
