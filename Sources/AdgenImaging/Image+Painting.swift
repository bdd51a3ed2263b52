import CVips

extension Image {
    /// The colour bands alone: alpha is dropped, not blended. For an image known to be opaque this is cheaper
    /// than `flattened(on:)`, and it encodes smaller than with its alpha.
    public func droppingAlpha() throws(ImagingError) -> Image {
        guard hasAlpha else { return self }
        let source = self
        return try Vips.run("dropping alpha") { adgen_extract_band(source.pointer, $0, 0, Int32(source.bands - 1)) }
    }

    /// The image as PNG, written for speed rather than size: zlib level `compression` (0 stores, 9 is smallest;
    /// 1 writes a smooth picture about twice as fast as `encoded(_:)`, a third larger) and no row filters. For
    /// pictures that are decoded again at once, such as the local provider's.
    public func quickPNG(compression: Int = 1) throws(ImagingError) -> [UInt8] {
        _ = Vips.started
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let level = Int32(min(9, max(0, compression)))
        guard adgen_pngsave_quick(pointer, &buffer, &length, level) == 0, let buffer else {
            throw ImagingError(.encode, "encoding png failed: \(Vips.lastError())")
        }
        defer { adgen_vips_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
