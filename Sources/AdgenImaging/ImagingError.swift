/// A failure in the imaging layer: what went wrong, in words a user can act on, with libvips' own message.
public struct ImagingError: Error, Sendable, CustomStringConvertible {
    enum Code: Sendable {
        case decode, tooLarge, operation, encode, font
    }

    let code: Code
    /// What happened and how to fix it.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// An image over the pixel limit.
    public static func tooLarge(width: Int, height: Int, limit: Int) -> ImagingError {
        ImagingError(
            .tooLarge,
            "the image is \(width)×\(height) (\(width * height / 1_000_000) MP), over the limit of \(limit / 1_000_000) MP; use a smaller source or raise the pixel limit"
        )
    }

    /// Whether the image was refused for exceeding the pixel limit.
    public var isTooLarge: Bool { code == .tooLarge }
    /// Whether the bytes could not be decoded as an image.
    public var isUndecodable: Bool { code == .decode }

    /// The message.
    public var description: String { message }
}
