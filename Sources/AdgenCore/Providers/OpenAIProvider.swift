import AsyncHTTPClient

/// OpenAI Images: `POST /v1/images/generations` with `model`, `prompt`, `n: 1` and `size` (`WIDTHxHEIGHT`, one
/// the planner chose from the model's sizes). GPT image models answer `b64_json`; DALL·E models a `url`, which is
/// downloaded. The API takes no seed and no negative prompt: a negative prompt is added as an "Avoid: …" sentence.
/// `generation.parameters` (`quality`, `background`, `output_format`, `moderation`, `style`, …) are passed through.
public struct OpenAIProvider: ImageProvider {
    /// Settings with defaults.
    public struct Configuration: Sendable {
        /// The API's base URL (with or without `/v1`).
        public var baseURL: String = "https://api.openai.com"
        /// The longest one generation request may take.
        public var requestTimeout: Duration = .seconds(240)
        /// The prices.
        public var prices: PriceTable = .builtIn

        /// The defaults.
        public init() {}
    }

    public let id = "openai"
    /// The model id.
    public var model: String
    /// Extra body fields.
    public var parameters: [String: String]
    /// The settings.
    public var configuration: Configuration
    let http: ProviderHTTP
    let apiKey: String

    /// Creates the adapter. `apiKey` is `OPENAI_API_KEY`.
    public init(
        apiKey: String, model: String, parameters: [String: String] = [:], httpClient: HTTPClient,
        configuration: Configuration = .init()
    ) {
        self.apiKey = apiKey
        self.model = model
        self.parameters = parameters
        self.configuration = configuration
        http = ProviderHTTP(
            provider: "openai", client: httpClient, timeout: configuration.requestTimeout, secret: apiKey)
    }

    /// The models adgen knows the sizes and prices of.
    public static let knownModels = [
        "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "dall-e-2", "dall-e-3",
    ]

    /// The request body for `request`.
    func body(for request: GenerationRequest) -> JSONValue {
        var prompt = request.prompt
        if let negative = request.negativePrompt, !negative.isEmpty { prompt += "\nAvoid: \(negative)." }
        var body: [String: JSONValue] = [
            "model": .string(model), "prompt": .string(prompt), "n": 1,
            "size": .string("\(request.width)x\(request.height)"),
        ]
        for (key, value) in parameters.merging(request.parameters, uniquingKeysWith: { $1 }) {
            body[key] = JSONValue.inferred(value)
        }
        return .object(body)
    }

    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        let base = Self.apiBase(configuration.baseURL)
        let answer = try await http.send(
            .POST, base + "/images/generations", headers: [("Authorization", "Bearer \(apiKey)")],
            body: body(for: request).encoded)
        let requestID = answer.headers.first(name: "x-request-id")
        let json = try http.json(answer, requestID: requestID)
        guard let image = json["data"]?[0] else {
            throw ProviderError.badResponse(
                provider: id, message: "the answer has no data[0] image", status: answer.status, requestID: requestID)
        }
        let bytes: [UInt8]
        if let base64 = image["b64_json"]?.string {
            guard let decoded = ImageCheck.base64Bytes(base64) else {
                throw ProviderError.badResponse(
                    provider: id, message: "data[0].b64_json is not base64", requestID: requestID)
            }
            bytes = decoded
        } else if let url = image["url"]?.string {
            bytes = try await http.fetchImage(url, requestID: requestID)
        } else {
            throw ProviderError.badResponse(
                provider: id, message: "data[0] has neither b64_json nor url", requestID: requestID)
        }
        let size = try ImageCheck(size: .exact).verify(
            bytes, width: request.width, height: request.height, provider: id, requestID: requestID)
        let parameters = self.parameters.merging(request.parameters, uniquingKeysWith: { $1 })
        let cost = configuration.prices.price(
            provider: id, model: model, width: size.width, height: size.height, parameters: parameters)
        return GeneratedImage(
            bytes: bytes, width: size.width, height: size.height, costUSD: cost ?? 0, providerRequestID: requestID)
    }

    /// `https://api.openai.com/v1` from a base with or without `/v1`.
    static func apiBase(_ base: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/v1") ? base : base + "/v1"
    }
}

extension OpenAIProvider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The provider, model and server; never the credential.
    public var description: String { "openai (model \(model), \(configuration.baseURL))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
