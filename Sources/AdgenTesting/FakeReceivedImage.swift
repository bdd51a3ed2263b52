import AdgenImaging
import Foundation
import Synchronization

/// A reference image a fake provider server received, decoded from the field it came in.
public struct FakeReceivedImage: Sendable, Hashable {
    /// Where it came: the form field (`image[]`), the input key (`image_url`), `init_images[0]`, …
    public var field: String
    /// The file name, for an upload.
    public var filename: String?
    /// The media type it was declared as (a part's `Content-Type`, a `data:` URL's type), when it was.
    public var mediaType: String?
    /// The bytes.
    public var bytes: [UInt8]

    /// Creates a record.
    public init(field: String, filename: String? = nil, mediaType: String? = nil, bytes: [UInt8]) {
        self.field = field
        self.filename = filename
        self.mediaType = mediaType
        self.bytes = bytes
    }

    /// Decodes a `data:image/…;base64,…` URL sent in `field`; throws what is wrong with it (not a data URL, not
    /// base64, not an image of the type it says).
    public init(dataURL: String, field: String) throws(FakeMultipartError) {
        guard dataURL.hasPrefix("data:"), let comma = dataURL.firstIndex(of: ",") else {
            throw FakeMultipartError("\(field) is not a data: URL")
        }
        let head = dataURL[dataURL.index(dataURL.startIndex, offsetBy: 5)..<comma]
        guard head.hasSuffix(";base64") else { throw FakeMultipartError("the data: URL in \(field) is not base64") }
        let type = String(head.dropLast(";base64".count))
        guard let data = Data(base64Encoded: String(dataURL[dataURL.index(after: comma)...])) else {
            throw FakeMultipartError("the data: URL in \(field) has invalid base64")
        }
        self.init(field: field, mediaType: type, bytes: Array(data))
        try checkImage()
    }

    /// Throws unless the bytes decode as an image (libvips) of the declared media type.
    public func checkImage() throws(FakeMultipartError) {
        guard (try? Image.decode(bytes)) != nil else {
            throw FakeMultipartError("\(field) does not hold an image (\(bytes.count) bytes)")
        }
        let magic: [String: [UInt8]] = [
            "image/png": [0x89, 0x50, 0x4E, 0x47], "image/jpeg": [0xFF, 0xD8, 0xFF], "image/webp": Array("RIFF".utf8),
        ]
        guard let mediaType else { return }
        guard let expected = magic[mediaType] else {
            throw FakeMultipartError("\(field) is \(mediaType), not image/png, image/jpeg or image/webp")
        }
        guard bytes.starts(with: expected) else {
            throw FakeMultipartError("\(field) is declared \(mediaType) but its bytes are not")
        }
    }
}

/// The reference images a fake received, in order; thread-safe.
public final class FakeReceivedImages: Sendable {
    let images = Mutex([FakeReceivedImage]())

    /// Creates an empty record.
    public init() {}

    /// Every image received.
    public var all: [FakeReceivedImage] { images.withLock { $0 } }

    func append(_ received: [FakeReceivedImage]) { images.withLock { $0 += received } }
}
