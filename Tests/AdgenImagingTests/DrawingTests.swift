import AdgenImaging
import Testing

@Suite struct DrawingTests {
    let grey = RGBA(red: 100, green: 100, blue: 100)
    let red = RGBA(red: 230, green: 20, blue: 30)

    /// The RGB bytes of the pixel at `x, y` of a 3-band image.
    func pixel(_ image: Image, _ x: Int, _ y: Int) throws -> [UInt8] {
        let bytes = try image.pixelBytes()
        let start = (y * image.width + x) * image.bands
        return Array(bytes[start..<start + 3])
    }

    @Test func aMaskBlendsItsColourByCoverageAndTheSourceIsLeftAlone() throws {
        let source = try Image.solid(width: 40, height: 30, color: grey).droppingAlpha().materialized()
        let before = try source.pixelBytes()
        // A mask: left half full coverage, right half about half, drawn partly off the canvas.
        let mask = try Image.solid(width: 20, height: 10, color: RGBA(red: 255, green: 0, blue: 0))
            .composited(Image.solid(width: 10, height: 10, color: RGBA(red: 128, green: 0, blue: 0)), x: 10, y: 0)
        let drawn = try source.drawing { drawing in
            try drawing.fill(red, mask: mask, x: 25, y: -5)
        }
        #expect((drawn.width, drawn.height, drawn.bands) == (40, 30, 3))
        #expect(try source.pixelBytes() == before, "drawing works on a copy")
        #expect(try pixel(drawn, 26, 0) == [230, 20, 30])
        #expect(try pixel(drawn, 36, 4) == [165, 60, 65], "half coverage: halfway between grey and red")
        #expect(try pixel(drawn, 26, 5) == [100, 100, 100], "below the mask")
        // The colour's alpha scales the mask.
        var faint = red
        faint.alpha = 128
        let faded = try source.drawing { try $0.fill(faint, mask: mask, x: 0, y: 0) }
        #expect(try pixel(faded, 1, 1) == [165, 60, 65])
    }

    @Test func drawingMatchesCompositingOver() throws {
        let picture = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><defs><linearGradient id="g">\
            <stop offset="0" stop-color="#204080"/><stop offset="1" stop-color="#F0C060"/></linearGradient></defs>\
            <rect width="100%" height="100%" fill="url(#g)"/></svg>
            """
        ).droppingAlpha()
        let badge = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="50" height="40"><rect width="50" height="40" rx="12" \
            fill="#E0301E" fill-opacity="0.7"/></svg>
            """)
        let drawn = try picture.drawing { try $0.draw(badge, x: 30, y: 20) }
        let composited = try picture.composited(badge, x: 30, y: 20).droppingAlpha()
        let a = try drawn.pixelBytes()
        let b = try composited.pixelBytes()
        #expect(a.count == b.count)
        #expect(zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= 1 }, "the same as composite `over`, within 1")
    }

    @Test func rowsAndRoundedRectangles() throws {
        let source = try Image.solid(width: 60, height: 40, color: grey).droppingAlpha()
        let drawn = try source.drawing { drawing in
            drawing.fillRows(RGBA(red: 0, green: 0, blue: 0), top: 30, coverage: [255, 128, 0, 255, 255, 255])
            drawing.fill(red, x: 10, y: 5, width: 40, height: 20, cornerRadius: 10)
        }
        #expect(try pixel(drawn, 0, 29) == [100, 100, 100])
        #expect(try pixel(drawn, 59, 30) == [0, 0, 0])
        #expect(try pixel(drawn, 5, 31) == [50, 50, 50])
        #expect(try pixel(drawn, 5, 32) == [100, 100, 100])
        #expect(try pixel(drawn, 30, 15) == [230, 20, 30], "inside the rectangle")
        #expect(try pixel(drawn, 10, 5) == [100, 100, 100], "a rounded corner leaves the picture")
        #expect(try pixel(drawn, 30, 5) == [230, 20, 30], "the straight top edge is filled to the pixel")
        #expect(try pixel(drawn, 9, 15) == [100, 100, 100], "nothing left of it")
    }
}
