import CVips

/// Statistics of one band.
public struct BandStatistics: Sendable, Hashable {
    public var minimum: Double
    public var maximum: Double
    public var mean: Double
    public var deviation: Double
}

extension Image {
    /// Minimum, maximum, mean and standard deviation of each band.
    public func statistics() throws(ImagingError) -> [BandStatistics] {
        let source = self
        let matrix = try Vips.run("measuring") { adgen_stats(source.pointer, $0) }
        // vips_stats: a double image, one row per band after row 0 (all bands); columns min, max, sum,
        // sum of squares, mean, deviation, …
        var statistics = [BandStatistics]()
        for band in 0..<bands {
            func value(_ column: Int32) -> Double {
                var pixel: UnsafeMutablePointer<Double>?
                var count: Int32 = 0
                guard adgen_getpoint(matrix.pointer, &pixel, &count, column, Int32(band + 1)) == 0, let pixel else {
                    return 0
                }
                defer { adgen_vips_free(pixel) }
                return pixel.pointee
            }
            statistics.append(BandStatistics(minimum: value(0), maximum: value(1), mean: value(4), deviation: value(5)))
        }
        return statistics
    }
}

extension Image {
    /// The pixels, 8 bits per band, interleaved, row by row (`width × height × bands` bytes).
    public func pixelBytes() throws(ImagingError) -> [UInt8] {
        let source = try normalised()
        var length = 0
        guard let memory = vips_image_write_to_memory(source.pointer, &length) else {
            throw ImagingError(.operation, "reading pixels failed: \(Vips.lastError())")
        }
        defer { adgen_vips_free(memory) }
        return Array(UnsafeRawBufferPointer(start: memory, count: length))
    }
}
