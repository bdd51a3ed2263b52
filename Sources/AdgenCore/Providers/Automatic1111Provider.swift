import AsyncHTTPClient
import Foundation

/// AUTOMATIC1111's stable-diffusion-webui (also Forge, which keeps its API): `POST /sdapi/v1/txt2img` with
/// `prompt`, `negative_prompt`, `seed` (32-bit: the request's seed modulo 2^32), `width`, `height`, one image, and
/// `generation.parameters` (`steps`, `cfg_scale`, `sampler_name`, … typed). A model other than `default` is set
/// for this request only through `override_settings.sd_model_checkpoint`. The answer's `images[0]` is base64.
/// The webui's optional `--api-auth user:password` is read from `A1111_API_AUTH`. Its API cannot cancel one
/// request (`/sdapi/v1/interrupt` stops whatever runs), so a cancelled task only drops the connection.
///
/// A request with a reference image goes to `POST /sdapi/v1/img2img` instead: the same fields, plus
/// `init_images: [base64 of the product]` and `denoising_strength` (0.6 unless `generation.parameters` sets it).
/// img2img starts from one image, so the logo cannot be sent: see `referenceProblem`.
public struct Automatic1111Provider: ImageProvider {
    /// Settings with defaults.
    public struct Configuration: Sendable {
        /// The webui's base URL.
        public var baseURL: String = "http://127.0.0.1:7860"
        /// The longest one generation may take (the call is synchronous).
        public var requestTimeout: Duration = .seconds(600)
        /// The prices.
        public var prices: PriceTable = .builtIn

        /// The defaults.
        public init() {}
    }

    /// The environment variable holding `user:password` for the webui's `--api-auth`.
    public static let authVariable = "A1111_API_AUTH"

    public let id = "automatic1111"
    /// The checkpoint title, or `default` to keep the webui's.
    public var model: String
    /// Extra body fields.
    public var parameters: [String: String]
    /// The settings.
    public var configuration: Configuration
    let http: ProviderHTTP
    let basicAuth: String?

    /// Creates the adapter; `basicAuth` is `user:password`.
    public init(
        model: String, parameters: [String: String] = [:], basicAuth: String? = nil, httpClient: HTTPClient,
        configuration: Configuration = .init()
    ) {
        self.model = model
        self.parameters = parameters
        self.basicAuth = basicAuth
        self.configuration = configuration
        let encoded = basicAuth.map { Data($0.utf8).base64EncodedString() }
        http = ProviderHTTP(
            provider: "automatic1111", client: httpClient, timeout: configuration.requestTimeout, secret: encoded)
    }

    /// How far img2img moves from the product image unless `denoising_strength` says otherwise.
    public static let defaultDenoisingStrength = 0.6

    /// Why reference images in `roles` cannot be sent with `parameters`, as a message saying how to fix it; nil
    /// when they can. Checked at load, before any work, and again before a request is sent.
    public static func referenceProblem(parameters: [String: String], roles: [ReferenceImage.Role] = [.product])
        -> String?
    {
        guard !roles.isEmpty else { return nil }
        if roles.count > 1 {
            return "automatic1111's img2img starts from one image (the product), so the logo cannot be sent as a "
                + "reference; send the product alone"
        }
        if let text = parameters["denoising_strength"] {
            guard let value = Double(text), (0...1).contains(value) else {
                return "generation.parameters.denoising_strength '\(text)' is not a number from 0 to 1"
            }
        }
        return nil
    }

    /// The request body.
    func body(for request: GenerationRequest) -> JSONValue {
        var body: [String: JSONValue] = [
            "prompt": .string(request.prompt),
            "negative_prompt": .string(request.negativePrompt ?? ""),
            "seed": .int(Int64(request.seed % 4_294_967_296)),
            "width": .int(Int64(request.width)),
            "height": .int(Int64(request.height)),
            "batch_size": 1,
            "n_iter": 1,
            "send_images": true,
            "save_images": false,
        ]
        if let product = request.references.first {
            body["init_images"] = [.string(product.base64)]
            body["denoising_strength"] = .double(Self.defaultDenoisingStrength)
        }
        if !["default", ""].contains(model) {
            body["override_settings"] = ["sd_model_checkpoint": .string(model)]
            body["override_settings_restore_afterwards"] = true
        }
        for (key, value) in parameters.merging(request.parameters, uniquingKeysWith: { $1 }) {
            body[key] = JSONValue.inferred(value)
        }
        return .object(body)
    }

    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var headers = [(String, String)]()
        if let basicAuth {
            headers.append(("Authorization", "Basic \(Data(basicAuth.utf8).base64EncodedString())"))
        }
        if !request.references.isEmpty,
            let problem = Self.referenceProblem(
                parameters: parameters.merging(request.parameters, uniquingKeysWith: { $1 }),
                roles: request.references.map(\.role))
        {
            throw ProviderError.invalidRequest(provider: id, message: problem)
        }
        let route = request.references.isEmpty ? "/sdapi/v1/txt2img" : "/sdapi/v1/img2img"
        let answer = try await http.send(.POST, base + route, headers: headers, body: body(for: request).encoded)
        let json = try http.json(answer)
        let info = json["info"]?.string.flatMap { JSONValue.parse($0) }
        let requestID = info?["job_timestamp"]?.string ?? info?["seed"]?.int.map { "seed-\($0)" }
        guard let encoded = json["images"]?[0]?.string else {
            throw ProviderError.badResponse(provider: id, message: "the answer has no images[0]", requestID: requestID)
        }
        guard let bytes = ImageCheck.base64Bytes(encoded) else {
            throw ProviderError.badResponse(provider: id, message: "images[0] is not base64", requestID: requestID)
        }
        let size = try ImageCheck(size: .within(pixels: 8)).verify(
            bytes, width: request.width, height: request.height, provider: id, requestID: requestID)
        let cost = configuration.prices.price(
            provider: id, model: model, width: size.width, height: size.height, parameters: parameters)
        return GeneratedImage(
            bytes: bytes, width: size.width, height: size.height, costUSD: cost ?? 0, providerRequestID: requestID)
    }
}

extension Automatic1111Provider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The provider, model and server; never the credential.
    public var description: String { "automatic1111 (model \(model), \(configuration.baseURL))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
