import AsyncHTTPClient

/// OpenAI Images: `POST /v1/images/generations` with `model`, `prompt`, `n: 1` and `size` (`WIDTHxHEIGHT`, one
/// the planner chose from the model's sizes). GPT image models answer `b64_json`; DALL·E models a `url`, which is
/// downloaded. The API takes no seed and no negative prompt: a negative prompt is added as an "Avoid: …" sentence.
/// `generation.parameters` (`quality`, `background`, `output_format`, `moderation`, `style`, …) are passed through.
///
/// A request with reference images goes to `POST /v1/images/edits` instead, as `multipart/form-data`: the same
/// fields as text parts, `input_fidelity` (`high` by default where the model takes it), and one `image[]` file part
/// per reference (`image` for dall-e-2, which takes one). dall-e-3 cannot edit: see `referenceProblem`.
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

    /// The prompt sent: the request's, with its negative prompt as an "Avoid: …" sentence.
    static func prompt(for request: GenerationRequest) -> String {
        var prompt = request.prompt
        if let negative = request.negativePrompt, !negative.isEmpty { prompt += "\nAvoid: \(negative)." }
        return prompt
    }

    /// The request body for `request`.
    func body(for request: GenerationRequest) -> JSONValue {
        let prompt = Self.prompt(for: request)
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
        let answer: ProviderAnswer
        if request.references.isEmpty {
            answer = try await http.send(
                .POST, base + "/images/generations", headers: [("Authorization", "Bearer \(apiKey)")],
                body: body(for: request).encoded)
        } else {
            let parameters = self.parameters.merging(request.parameters, uniquingKeysWith: { $1 })
            if let problem = Self.referenceProblem(
                model: model, parameters: parameters, roles: request.references.map(\.role))
            {
                throw ProviderError.invalidRequest(provider: id, message: problem)
            }
            let form = editForm(for: request)
            answer = try await http.send(
                .POST, base + "/images/edits",
                headers: [("Authorization", "Bearer \(apiKey)"), ("Content-Type", form.contentType)], body: form.body)
        }
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

    /// The `multipart/form-data` body of `POST /v1/images/edits` for a request with references.
    func editForm(for request: GenerationRequest) -> MultipartForm {
        var fields = [
            "model": model, "prompt": Self.prompt(for: request), "n": "1", "size": "\(request.width)x\(request.height)",
        ]
        if Self.inputFidelities(model).contains("high") { fields["input_fidelity"] = "high" }
        fields.merge(parameters.merging(request.parameters, uniquingKeysWith: { $1 }), uniquingKeysWith: { $1 })
        var form = MultipartForm()
        for name in ["model", "prompt", "n", "size"] { form.add(name, fields.removeValue(forKey: name) ?? "") }
        for name in fields.keys.sorted() { form.add(name, fields[name] ?? "") }
        let part = Self.family(model) == "dall-e-2" ? "image" : "image[]"
        for image in request.references {
            form.add(part, filename: image.name, contentType: image.mediaType, data: image.bytes)
        }
        return form
    }

    /// The known model `model` is a version of (`gpt-image-1.5-2025-12-16` → `gpt-image-1.5`), else `model`.
    static func family(_ model: String) -> String {
        knownModels.filter { model == $0 || model.hasPrefix($0 + "-") }.max { $0.count < $1.count } ?? model
    }

    /// The `input_fidelity` values `/v1/images/edits` takes for `model`: `high` and `low` for gpt-image-1 and
    /// gpt-image-1.5, `low` only for gpt-image-1-mini; none for gpt-image-2 (which always works at high fidelity
    /// and refuses the field) and dall-e-2 (an unknown parameter there).
    static func inputFidelities(_ model: String) -> Set<String> {
        switch family(model) {
        case "gpt-image-1", "gpt-image-1.5": ["high", "low"]
        case "gpt-image-1-mini": ["low"]
        default: []
        }
    }

    /// Why `model` cannot take reference images with `parameters` (`/v1/images/edits`), as a message saying how to
    /// fix it; nil when it can. Checked at load, before anything is paid for, and again before a request is sent.
    public static func referenceProblem(
        model: String, parameters: [String: String], roles: [ReferenceImage.Role] = [.product]
    ) -> String? {
        guard !roles.isEmpty else { return nil }
        let family = family(model)
        if family == "dall-e-3" {
            return "openai model dall-e-3 cannot work from reference images (/v1/images/edits takes GPT image models "
                + "and dall-e-2); use generation.model gpt-image-1 or another GPT image model"
        }
        if family == "dall-e-2" && roles.count > 1 {
            return "openai model dall-e-2 edits one image, so the logo cannot be sent with the product; "
                + "use a GPT image model (up to 16 images), or send the product alone"
        }
        if let fidelity = parameters["input_fidelity"] {
            let taken = inputFidelities(model)
            if taken.isEmpty {
                return "openai model \(model) does not take input_fidelity; remove generation.parameters.input_fidelity"
            }
            if !taken.contains(fidelity) {
                return "generation.parameters.input_fidelity '\(fidelity)' is not one openai model \(model) takes "
                    + "(\(taken.sorted().joined(separator: ", ")))"
            }
        }
        return nil
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
