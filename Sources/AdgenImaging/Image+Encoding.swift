import CVips

/// An output format.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    case jpeg, png, webp, avif

    /// The file extension.
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// The media type (`image/jpeg`, `image/png`, …).
    public var mediaType: String { "image/\(rawValue)" }

    /// The format of encoded bytes, from their signature; nil for other formats.
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + signature.count && Array(bytes[offset..<(offset + signature.count)]) == signature
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return .png }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("ftypavif".utf8), at: 4) || starts(Array("ftypavis".utf8), at: 4) { return .avif }
        return nil
    }

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
    /// JPEG: optimised Huffman tables (about 15 % smaller for about 50 % more encoding time).
    public var optimizeCoding: Bool = true
    /// JPEG: progressive (interlaced) rather than baseline: about 1 % smaller than `optimizeCoding` alone, but
    /// about 3 times slower to write.
    public var progressive: Bool = false

    /// Creates options.
    public init(
        format: ImageFormat, quality: Int = 85, chromaSubsamplingOff: Bool = false, palette: Bool = false,
        optimizeCoding: Bool = true, progressive: Bool = false
    ) {
        self.format = format
        self.quality = quality
        self.chromaSubsamplingOff = chromaSubsamplingOff
        self.palette = palette
        self.optimizeCoding = optimizeCoding
        self.progressive = progressive
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
            case .jpeg:
                adgen_jpegsave(
                    source.pointer, &buffer, &length, quality, options.chromaSubsamplingOff ? 1 : 0,
                    options.optimizeCoding ? 1 : 0, options.progressive ? 1 : 0)
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
