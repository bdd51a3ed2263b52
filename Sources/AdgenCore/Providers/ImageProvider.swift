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

    /// Creates a request.
    public init(
        prompt: String, negativePrompt: String? = nil, seed: UInt64, width: Int, height: Int, model: String,
        brandColors: [String] = [], parameters: [String: String] = [:]
    ) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.width = width
        self.height = height
        self.model = model
        self.brandColors = brandColors
        self.parameters = parameters
    }
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
