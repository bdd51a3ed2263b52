import CVips

/// An output format.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    case jpeg, png, webp, avif

    /// The file extension.
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// Whether this libvips build can write the format (AVIF needs libheif with an AV1 encoder).
    public var isAvailable: Bool {
        _ = Vips.started
        return self != .avif || adgen_has_operation("heifsave_buffer") != 0
    }
}

/// How to encode.
public struct EncodeOptions: Sendable, Hashable {
    /// The format.
    public var format: ImageFormat
    /// Quality 1…100 (JPEG, WebP, AVIF; PNG palette quantisation).
    public var quality: Int = 85
    /// JPEG: keep full chroma resolution (larger, sharper red text).
    public var chromaSubsamplingOff: Bool = false
    /// PNG: write an 8-bit palette image (much smaller for flat graphics).
    public var palette: Bool = false

    /// Creates options.
    public init(format: ImageFormat, quality: Int = 85, chromaSubsamplingOff: Bool = false, palette: Bool = false) {
        self.format = format
        self.quality = quality
        self.chromaSubsamplingOff = chromaSubsamplingOff
        self.palette = palette
    }
}

extension Image {
    /// The image encoded; JPEG has no alpha, so it is flattened on white first.
    public func encoded(_ options: EncodeOptions) throws(ImagingError) -> [UInt8] {
        _ = Vips.started
        let source = options.format == .jpeg ? try flattened() : self
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let quality = Int32(min(100, max(1, options.quality)))
        let status: Int32 =
            switch options.format {
            case .jpeg: adgen_jpegsave(source.pointer, &buffer, &length, quality, options.chromaSubsamplingOff ? 1 : 0)
            case .png: adgen_pngsave(source.pointer, &buffer, &length, options.palette ? 1 : 0, quality)
            case .webp: adgen_webpsave(source.pointer, &buffer, &length, quality)
            case .avif: adgen_avifsave(source.pointer, &buffer, &length, quality)
            }
        guard status == 0, let buffer else {
            throw ImagingError(.encode, "encoding \(options.format.rawValue) failed: \(Vips.lastError())")
        }
        defer { adgen_vips_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
