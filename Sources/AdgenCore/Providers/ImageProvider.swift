import Foundation

/// An image generator: a model behind an HTTP API, or the built-in offline renderer. The seam between planning
/// and the pipeline; the batches issue adds the dispatcher, retries and the HTTP adapters.
public protocol ImageProvider: Sendable {
    /// The provider's id, as named in `generation.provider`.
    var id: String { get }
    /// Generates one image.
    func generate(_ request: GenerationRequest) async throws -> GeneratedImage
}

/// What to generate.
public struct GenerationRequest: Sendable, Hashable {
    /// The prompt.
    public var prompt: String
    /// What to keep out of the image, when the provider supports it.
    public var negativePrompt: String?
    /// The seed: the same request gives the same image where the provider is deterministic.
    public var seed: UInt64
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The model id.
    public var model: String
    /// Brand colours (`#RRGGBB`) the image should carry.
    public var brandColors: [String]
    /// Extra model parameters.
    public var parameters: [String: String]
    /// Images the model works from (`product.mode: reference`): the product first, then the logo when asked.
    /// Empty for a text-to-image request.
    public var references: [ReferenceImage]

    /// Creates a request.
    public init(
        prompt: String, negativePrompt: String? = nil, seed: UInt64, width: Int, height: Int, model: String,
        brandColors: [String] = [], parameters: [String: String] = [:], references: [ReferenceImage] = []
    ) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.width = width
        self.height = height
        self.model = model
        self.brandColors = brandColors
        self.parameters = parameters
        self.references = references
    }
}

/// An image sent with a generation request for the model to work from: the advertiser's product photo (and logo)
/// in `reference` mode. A stored job keeps its name, media type and digest; the bytes are attached from the batch's
/// campaign files when the request is sent (`ReferencingProvider`), so a store never holds image bytes twice.
public struct ReferenceImage: Sendable, Hashable {
    /// What the image is.
    public enum Role: String, Sendable, Hashable, Codable {
        case product, logo
    }

    /// What the image is.
    public var role: Role
    /// The file's name, as a multipart upload names it (`ridge-3.png`).
    public var name: String
    /// Its media type (`image/png`, `image/jpeg`, `image/webp`).
    public var mediaType: String
    /// SHA-256 of the bytes, 64 hex digits: what the cache key and the stored job keep.
    public var sha256: String
    /// The bytes; empty in a request read back from the store until they are attached.
    public var bytes: [UInt8]

    /// Creates a reference.
    public init(role: Role, name: String, mediaType: String, sha256: String, bytes: [UInt8] = []) {
        self.role = role
        self.name = name
        self.mediaType = mediaType
        self.sha256 = sha256
        self.bytes = bytes
    }

    /// The image as a `data:` URL (`data:image/png;base64,…`), as fal, Replicate and generic endpoints take it.
    public var dataURL: String { "data:\(mediaType);base64,\(base64)" }

    /// The bytes in base64, as Automatic1111 and JSON bodies take them.
    public var base64: String { Data(bytes).base64EncodedString() }
}

/// A generated image, encoded.
public struct GeneratedImage: Sendable {
    /// The encoded bytes (PNG, JPEG or WebP).
    public var bytes: [UInt8]
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// What it cost, in US dollars.
    public var costUSD: Double
    /// The provider's id for the request, when it has one.
    public var providerRequestID: String?

    /// Creates a result.
    public init(bytes: [UInt8], width: Int, height: Int, costUSD: Double = 0, providerRequestID: String? = nil) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.costUSD = costUSD
        self.providerRequestID = providerRequestID
    }
}
