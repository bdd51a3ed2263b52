import AdgenImaging
import AdgenTesting
import Testing

@Suite struct ThumbnailTests {
    let grey = RGBA(red: 120, green: 120, blue: 120)
    let red = RGBA(red: 230, green: 20, blue: 30)

    /// A 1080×1920 story creative: red in its top half, grey below.
    func story(_ format: ImageFormat, in folder: TemporaryDirectory) throws -> String {
        let picture = try Image.solid(width: 1080, height: 1920, color: grey).composited(
            try Image.solid(width: 1080, height: 960, color: red), x: 0, y: 0)
        return try folder.write(
            "story.\(format.fileExtension)", bytes: try picture.encoded(EncodeOptions(format: format, quality: 90)))
    }

    @Test(
        "A thumbnail from a file fits its box, keeps the aspect ratio and shows the picture",
        arguments: [ImageFormat.png, .jpeg, .webp])
    func fitsTheBox(_ format: ImageFormat) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let thumbnail = try Image.thumbnail(path: try story(format, in: folder), width: 200, height: 200)
        // 1080 × 200/1920 = 112.5: shrink-on-load (WebP) rounds down, the others up.
        #expect(
            [112, 113].contains(thumbnail.width) && thumbnail.height == 200, "\(thumbnail.width)×\(thumbnail.height)")
        let width = thumbnail.width
        let top = try thumbnail.cropped(x: 0, y: 0, width: width, height: 90).statistics()
        let bottom = try thumbnail.cropped(x: 0, y: 110, width: width, height: 90).statistics()
        #expect(abs(top[0].mean - 230) < 4 && abs(top[1].mean - 20) < 6, "the red half on top")
        #expect(abs(bottom[0].mean - 120) < 4 && abs(bottom[2].mean - 120) < 4, "the grey half below")
    }

    @Test("A picture smaller than the box is not enlarged; a wide one fits by its width")
    func neverEnlarged() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let small = try folder.write(
            "small.png", bytes: try Image.solid(width: 120, height: 50, color: red).encoded(EncodeOptions(format: .png))
        )
        let thumbnail = try Image.thumbnail(path: small, width: 200, height: 200)
        #expect((thumbnail.width, thumbnail.height) == (120, 50))
        let banner = try folder.write(
            "banner.png",
            bytes: try Image.solid(width: 728, height: 90, color: red).encoded(EncodeOptions(format: .png)))
        let fitted = try Image.thumbnail(path: banner, width: 640, height: 80)
        #expect((fitted.width, fitted.height) == (640, 79) || (fitted.width, fitted.height) == (640, 80))
    }

    @Test("A missing file or one that is not an image is an error naming it")
    func unreadable() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let missing = "\(folder.path)/none.png"
        let error = try #require(throws: ImagingError.self) {
            try Image.thumbnail(path: missing, width: 100, height: 100)
        }
        #expect(error.description.contains(missing))
        let text = try folder.write("notes.png", "not a picture")
        #expect(throws: ImagingError.self) { try Image.thumbnail(path: text, width: 100, height: 100) }
    }
}
