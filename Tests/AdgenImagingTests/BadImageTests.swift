import AdgenImaging
import AdgenTesting
import Testing

/// Corrupt, truncated and oversized images are refused with a clear error, never a crash or an out-of-memory.
@Suite struct BadImageTests {
    @Test func garbageIsNotAnImage() {
        #expect(throws: ImagingError.self) { try Image.decode(Array("definitely not a png".utf8)) }
        do {
            _ = try Image.decode([])
        } catch {
            #expect(error.isUndecodable)
            #expect(error.message.contains("empty"))
        }
    }

    @Test func truncatedPNGIsAnError() throws {
        let image = try Image.solid(width: 300, height: 300, color: RGBA(red: 10, green: 200, blue: 90))
        let noisy = try image.composited(
            try Image.text("truncated", font: "DejaVu Sans 40").mask.coloured(.init(red: 0, green: 0, blue: 0)), x: 10,
            y: 10)
        let bytes = try noisy.encoded(EncodeOptions(format: .png))
        let truncated = Array(bytes.prefix(bytes.count / 2))
        do {
            _ = try Image.decode(truncated)
            Issue.record("a truncated PNG must not decode")
        } catch {
            #expect(error.isUndecodable)
        }
    }

    @Test func twentyThousandSquareIsRefusedByThePixelLimitBeforeDecoding() throws {
        let png = PNGHeader.bytes(width: 20_000, height: 20_000)
        do {
            _ = try Image.decode(png)
            Issue.record("a 400 MP image must be refused")
        } catch {
            #expect(error.isTooLarge)
            #expect(error.message.contains("20000×20000"))
        }
        // The limit is configurable: a small limit refuses a small image too.
        let small = try Image.solid(width: 100, height: 100, color: .init(red: 1, green: 2, blue: 3)).encoded(
            .init(format: .png))
        #expect(throws: ImagingError.self) { try Image.decode(small, limits: .init(maxPixels: 5_000)) }
    }
}

/// A PNG with only a header: enough for a decoder to learn its size.
enum PNGHeader {
    static func bytes(width: UInt32, height: UInt32) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
            + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
