import AdgenImaging
import Testing

@Suite struct ImageTests {
    let grey = RGBA(red: 120, green: 120, blue: 120)
    let red = RGBA(red: 230, green: 20, blue: 30)

    @Test func pngRoundTripKeepsSizeAndColour() throws {
        let image = try Image.solid(width: 64, height: 48, color: red)
        let decoded = try Image.decode(try image.encoded(EncodeOptions(format: .png)))
        #expect((decoded.width, decoded.height) == (64, 48))
        let stats = try decoded.statistics()
        #expect(stats.count == 4)
        #expect(stats[0].mean == 230 && stats[1].mean == 20 && stats[2].mean == 30)
        #expect(stats[0].deviation == 0)
    }

    @Test(arguments: ImageFormat.allCases.filter(\.isAvailable))
    func everyAvailableFormatEncodesAndDecodes(_ format: ImageFormat) throws {
        let image = try Image.solid(width: 40, height: 30, color: grey).composited(
            try Image.solid(width: 10, height: 10, color: red), x: 5, y: 5)
        let bytes = try image.encoded(EncodeOptions(format: format, quality: 80))
        let decoded = try Image.decode(bytes)
        #expect((decoded.width, decoded.height) == (40, 30))
    }

    @Test func lowerJPEGQualityMakesSmallerFiles() throws {
        let noisy = try Image.text(
            String(repeating: "Adgen renders real pixels. ", count: 40), font: "DejaVu Sans 14", width: 600
        ).mask
        let high = try noisy.encoded(EncodeOptions(format: .jpeg, quality: 95))
        let low = try noisy.encoded(EncodeOptions(format: .jpeg, quality: 30))
        #expect(low.count < high.count)
    }

    @Test func attentionCropKeepsTheProductNotTheMiddle() throws {
        // A grey 2000×1000 scene with a red product on the right: a 500×1000 crop should keep the product.
        let scene = try Image.solid(width: 2000, height: 1000, color: grey).composited(
            try Image.solid(width: 300, height: 300, color: red), x: 1550, y: 350)
        let attention = try scene.filled(width: 500, height: 1000, strategy: .attention)
        let centre = try scene.filled(width: 500, height: 1000, strategy: .centre)
        #expect((attention.width, attention.height) == (500, 1000))
        #expect(try attention.statistics()[0].maximum == 230, "the red product is in the attention crop")
        #expect(try centre.statistics()[0].maximum == 120, "and not in the middle")
    }

    @Test(arguments: CropStrategy.allCases)
    func fillingGivesTheExactSizeForEveryShape(_ strategy: CropStrategy) throws {
        let scene = try Image.solid(width: 1000, height: 700, color: grey).composited(
            try Image.solid(width: 120, height: 120, color: red), x: 820, y: 40)
        for (width, height) in [(333, 77), (160, 600), (728, 90), (1, 1), (999, 3), (1080, 1920), (1000, 700)] {
            let filled = try scene.filled(width: width, height: height, strategy: strategy)
            #expect((filled.width, filled.height) == (width, height), "\(strategy) \(width)×\(height)")
        }
    }

    @Test func fillingAtTheImagesOwnSizeKeepsItsPixels() throws {
        let scene = try Image.solid(width: 300, height: 200, color: grey).composited(
            try Image.solid(width: 40, height: 40, color: red), x: 250, y: 10
        ).droppingAlpha().materialized()
        let filled = try scene.filled(width: 300, height: 200, strategy: .attention)
        #expect(try filled.pixelBytes() == scene.pixelBytes())
    }

    @Test func jpegIsBaselineUnlessProgressiveIsAsked() throws {
        let image = try Image.solid(width: 64, height: 64, color: red).droppingAlpha()
        // The start-of-frame marker: FFC0 (baseline) or FFC1 (extended, with optimised tables), FFC2 (progressive).
        func frameMarkers(_ bytes: [UInt8]) -> Set<UInt8> {
            Set(zip(bytes, bytes.dropFirst()).compactMap { $0 == 0xFF && (0xC0...0xC2).contains($1) ? $1 : nil })
        }
        let baseline = try image.encoded(EncodeOptions(format: .jpeg))
        let progressive = try image.encoded(EncodeOptions(format: .jpeg, progressive: true))
        #expect(!frameMarkers(baseline).contains(0xC2))
        #expect(frameMarkers(progressive).contains(0xC2))
    }

    @Test func resizeToExactSizeAndCrop() throws {
        let image = try Image.solid(width: 1024, height: 1024, color: grey)
        let resized = try image.resized(width: 333, height: 77)
        #expect((resized.width, resized.height) == (333, 77))
        let cropped = try image.cropped(x: 10, y: 20, width: 100, height: 50)
        #expect((cropped.width, cropped.height) == (100, 50))
        let extended = try cropped.extended(toWidth: 120, height: 70, x: 10, y: 10, color: red)
        #expect((extended.width, extended.height) == (120, 70))
    }

    @Test func textIsRenderedAndShrinksToFitABox() throws {
        let free = try Image.text("Run further.", font: "DejaVu Sans Bold 64")
        #expect(free.mask.width > 200 && free.mask.height > 40)
        #expect(try free.mask.statistics()[0].maximum == 255)
        let fitted = try Image.text(
            "Own the trail this spring with Ridge 3", font: "DejaVu Sans Bold 64", width: 300, height: 80)
        #expect(fitted.mask.width <= 300 && fitted.mask.height <= 80)
        #expect(fitted.dpi < 72, "long text in a small box is set smaller than its nominal size")
        let ink = try fitted.mask.coloured(RGBA(red: 255, green: 255, blue: 255))
        #expect(ink.bands == 4)
    }

    @Test func roundedButtonFromSVG() throws {
        let button = try Image.svg(
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><rect width="200" height="60" rx="30" fill="#FF5A1F"/></svg>"##
        )
        #expect((button.width, button.height) == (200, 60))
        let corner = try button.cropped(x: 0, y: 0, width: 6, height: 6).statistics()
        let middle = try button.cropped(x: 90, y: 25, width: 10, height: 10).statistics()
        #expect(corner[3].mean < 100, "rounded corners are transparent")
        #expect(middle[3].mean == 255)
    }
}

@Suite struct CutoutTests {
    /// A 40 × 30 transparent image with an opaque red 10 × 6 block at (12, 8) and a half-transparent pixel beside it.
    static func cutout() throws -> Image {
        var pixels = [UInt8](repeating: 0, count: 40 * 30 * 4)
        for y in 8..<14 {
            for x in 12..<22 {
                pixels.replaceSubrange((y * 40 + x) * 4..<(y * 40 + x) * 4 + 4, with: [220, 30, 20, 255])
            }
        }
        pixels.replaceSubrange((10 * 40 + 22) * 4..<(10 * 40 + 22) * 4 + 4, with: [220, 30, 20, 128])
        return try Image.pixels(pixels, width: 40, height: 30, bands: 4)
    }

    @Test func theVisiblePixelsAreFoundAndCounted() throws {
        let image = try Self.cutout()
        #expect(try image.transparency().visible == PixelBox(x: 12, y: 8, width: 11, height: 6))
        #expect(try image.transparency(threshold: 200).visible == PixelBox(x: 12, y: 8, width: 10, height: 6))
        #expect(abs(try image.transparency().share - Double(40 * 30 - 60) / Double(40 * 30)) < 1e-9)
        let empty = try Image.pixels([UInt8](repeating: 0, count: 16 * 4), width: 4, height: 4, bands: 4)
        #expect(try empty.transparency().visible == nil)
        let opaque = try Image.solid(width: 8, height: 8, color: RGBA(red: 1, green: 2, blue: 3)).droppingAlpha()
        #expect(try opaque.transparency().share == 0)
        #expect(try opaque.transparency().visible == PixelBox(x: 0, y: 0, width: 8, height: 8))
    }

    @Test func pixelsRoundTripAndTheAlphaBandIsTheMask() throws {
        let image = try Self.cutout()
        let bytes = try image.pixelBytes()
        #expect(try Image.pixels(bytes, width: 40, height: 30, bands: 4).pixelBytes() == bytes)
        let alpha = try image.alphaBand().pixelBytes()
        #expect(alpha.count == 40 * 30)
        #expect(alpha[10 * 40 + 15] == 255 && alpha[10 * 40 + 22] == 128 && alpha[0] == 0)
        #expect(throws: ImagingError.self) { try Image.pixels([1, 2, 3], width: 2, height: 2, bands: 4) }
        let grey = try Image.pixels([10, 200, 30, 40], width: 2, height: 2, bands: 1).rgba()
        #expect(grey.bands == 4 && grey.hasAlpha)
        #expect(try grey.alphaBand().pixelBytes() == [255, 255, 255, 255])
    }

    @Test func boxesIntersect() {
        let a = PixelBox(x: 0, y: 0, width: 10, height: 10)
        #expect(
            a.intersection(PixelBox(x: 5, y: 5, width: 10, height: 10)) == PixelBox(x: 5, y: 5, width: 5, height: 5))
        #expect(a.intersection(PixelBox(x: 10, y: 0, width: 5, height: 5)) == nil, "touching edges do not overlap")
    }
}
