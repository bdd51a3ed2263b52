import AdgenImaging
import Testing

@Suite struct PaintingTests {
    /// A picture with smooth gradients and a sharp shape, opaque, with an alpha band.
    func picture() throws -> Image {
        try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><defs><linearGradient id="g">\
            <stop offset="0" stop-color="#204080"/><stop offset="1" stop-color="#F0C060"/></linearGradient></defs>\
            <rect width="100%" height="100%" fill="url(#g)"/><circle cx="160" cy="120" r="60" fill="#E0301E"/></svg>
            """)
    }

    @Test func droppingAlphaKeepsTheColours() throws {
        let image = try picture()
        #expect(image.hasAlpha)
        let opaque = try image.droppingAlpha()
        #expect(!opaque.hasAlpha && opaque.bands == 3)
        #expect(try opaque.statistics().map(\.mean) == image.statistics().prefix(3).map(\.mean))
    }

    @Test func quickPNGIsLosslessAtEveryLevel() throws {
        let image = try picture().droppingAlpha()
        let pixels = try image.pixelBytes()
        var sizes = [Int]()
        for compression in [0, 1, 9] {
            let png = try image.quickPNG(compression: compression)
            let decoded = try Image.decode(png)
            #expect((decoded.width, decoded.height, decoded.bands) == (320, 240, 3))
            #expect(try decoded.pixelBytes() == pixels)
            sizes.append(png.count)
        }
        #expect(sizes[0] > sizes[1] && sizes[1] >= sizes[2], "higher levels compress more: \(sizes)")
    }
}
