import AsyncHTTPClient
import Foundation

/// A generic JSON endpoint (`generation.provider: http`): `POST generation.base_url` with a body made from a
/// template, the image read from the answer at a JSON path (base64, a `data:` URI or a URL to download), or the
/// answer itself when it is an image.
///
/// `generation.parameters`:
/// - `body`: the JSON template. A string that is exactly a placeholder becomes the typed value (`"{{seed}}"` → a
///   number); inside longer text it is replaced as text. Placeholders: `prompt`, `negative_prompt`, `seed`,
///   `width`, `height`, `model`, and every other parameter by its name. Default: all six, by their names. For a
///   request with reference images: `reference_image_base64` and `reference_image_data_url` (the product),
///   `logo_image_base64` and `logo_image_data_url` (the logo), and `reference_image_media_type`; a template must
///   have the product's (and the logo's, when it is sent) to take references (`referenceProblem`).
/// - `image_path`: where the image is in the answer, e.g. `data[0].b64_json` (default `image`).
/// - `request_id_path`: where the request's id is (default `id`).
/// - `token_env`: an environment variable whose value is sent as `Authorization: Bearer …`.
/// - `size_check`: `exact`, `aspect`, or the pixels each side may differ by (default 8).
/// - `price_usd`: the price of one image, when the price table has none for `http/MODEL`.
/// - `timeout_seconds`: the longest one request may take (default 300).
public struct HTTPEndpointProvider: ImageProvider {
    /// Settings with defaults.
    public struct Configuration: Sendable {
        /// The endpoint.
        public var url: String
        /// The longest one request may take.
        public var requestTimeout: Duration = .seconds(300)
        /// The prices.
        public var prices: PriceTable = .builtIn

        /// Settings for `url`.
        public init(url: String) { self.url = url }
    }

    /// The parameters the adapter reads itself; the rest are placeholders.
    public static let ownParameters: Set<String> = [
        "body", "image_path", "request_id_path", "token_env", "size_check", "price_usd", "timeout_seconds",
    ]

    /// The default body template.
    public static let defaultBody = """
        {"prompt": "{{prompt}}", "negative_prompt": "{{negative_prompt}}", "seed": "{{seed}}", \
        "width": "{{width}}", "height": "{{height}}", "model": "{{model}}"}
        """

    public let id = "http"
    /// The model, sent as `{{model}}`.
    public var model: String
    /// The parameters.
    public var parameters: [String: String]
    /// The settings.
    public var configuration: Configuration
    let template: JSONValue
    let http: ProviderHTTP
    let token: String?

    /// Creates the adapter; throws when the body template is not JSON.
    public init(
        model: String, parameters: [String: String] = [:], token: String? = nil, httpClient: HTTPClient,
        configuration: Configuration
    ) throws(ProviderSetupError) {
        guard let template = JSONValue.parse(parameters["body"] ?? Self.defaultBody) else {
            throw ProviderSetupError(
                "generation.parameters.body is not JSON; write the request body with {{prompt}}, {{seed}}, … placeholders"
            )
        }
        var configuration = configuration
        if let text = parameters["timeout_seconds"] {
            guard let seconds = Double(text), seconds > 0 else {
                throw ProviderSetupError("generation.parameters.timeout_seconds '\(text)' is not a positive number")
            }
            configuration.requestTimeout = .milliseconds(Int64(seconds * 1000))
        }
        if let text = parameters["price_usd"], Double(text) == nil {
            throw ProviderSetupError("generation.parameters.price_usd '\(text)' is not a number")
        }
        if let text = parameters["size_check"], text != "exact", text != "aspect", Int(text) == nil {
            throw ProviderSetupError("generation.parameters.size_check '\(text)' is not exact, aspect or a pixel count")
        }
        self.template = template
        self.model = model
        self.parameters = parameters
        self.token = token
        self.configuration = configuration
        http = ProviderHTTP(provider: "http", client: httpClient, timeout: configuration.requestTimeout, secret: token)
    }

    /// The placeholders that carry each reference image, by role.
    public static let referencePlaceholders: [ReferenceImage.Role: [String]] = [
        .product: ["reference_image_base64", "reference_image_data_url"],
        .logo: ["logo_image_base64", "logo_image_data_url"],
    ]

    /// Why a body template in `parameters` cannot carry reference images in `roles`, as a message saying how to fix
    /// it; nil when it can. Checked at load, before any work, and again before a request is sent.
    public static func referenceProblem(parameters: [String: String], roles: [ReferenceImage.Role] = [.product])
        -> String?
    {
        guard !roles.isEmpty else { return nil }
        // A body that is not JSON is the factory's error.
        guard let template = JSONValue.parse(parameters["body"] ?? defaultBody) else { return nil }
        let used = placeholders(in: template)
        for role in [ReferenceImage.Role.product, .logo] where roles.contains(role) {
            let names = referencePlaceholders[role] ?? []
            if used.isDisjoint(with: names) {
                let what = role == .product ? "the product image" : "the logo"
                let list = names.map { "{{\($0)}}" }.joined(separator: " or ")
                return parameters["body"] == nil
                    ? "the http provider's default body has no place for \(what); write generation.parameters.body "
                        + "with \(list) where the endpoint takes it"
                    : "generation.parameters.body has no \(list) placeholder, so \(what) cannot be sent; add it "
                        + "where the endpoint takes the image"
            }
        }
        return nil
    }

    /// The placeholder names a template uses, as `fill` replaces them: a whole string (`"{{ seed }}"`), or inside
    /// text without spaces (`"x {{seed}}"`).
    static func placeholders(in template: JSONValue) -> Set<String> {
        switch template {
        case .string(let text):
            var names = Set<String>()
            if text.hasPrefix("{{"), text.hasSuffix("}}"), text.count > 4 {
                names.insert(String(text.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces))
            }
            var rest = Substring(text)
            while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
                names.insert(String(rest[open.upperBound..<close.lowerBound]))
                rest = rest[close.upperBound...]
            }
            return names
        case .array(let elements):
            return elements.reduce(into: Set()) { $0.formUnion(placeholders(in: $1)) }
        case .object(let members):
            return members.values.reduce(into: Set()) { $0.formUnion(placeholders(in: $1)) }
        default:
            return []
        }
    }

    /// The values of the placeholders for `request`.
    func values(for request: GenerationRequest, extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var values: [String: JSONValue] = [
            "prompt": .string(request.prompt), "negative_prompt": .string(request.negativePrompt ?? ""),
            "seed": .uint(request.seed), "width": .int(Int64(request.width)), "height": .int(Int64(request.height)),
            "model": .string(model),
        ]
        for (key, value) in parameters.merging(request.parameters, uniquingKeysWith: { $1 })
        where !Self.ownParameters.contains(key) {
            values[key] = .string(value)
        }
        if let product = request.references.first(where: { $0.role == .product }) ?? request.references.first {
            values["reference_image_base64"] = .string(product.base64)
            values["reference_image_data_url"] = .string(product.dataURL)
            values["reference_image_media_type"] = .string(product.mediaType)
        }
        if let logo = request.references.first(where: { $0.role == .logo }) {
            values["logo_image_base64"] = .string(logo.base64)
            values["logo_image_data_url"] = .string(logo.dataURL)
        }
        return values.merging(extra, uniquingKeysWith: { $1 })
    }

    /// `template` with its placeholders replaced.
    static func fill(_ template: JSONValue, with values: [String: JSONValue]) -> JSONValue {
        switch template {
        case .string(let text):
            if text.hasPrefix("{{"), text.hasSuffix("}}"), text.count > 4 {
                let name = String(text.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces)
                if let value = values[name] { return value }
            }
            guard text.contains("{{") else { return template }
            var result = text
            for (name, value) in values {
                let replacement: String
                switch value {
                case .string(let text): replacement = text
                case .int(let number): replacement = String(number)
                case .uint(let number): replacement = String(number)
                default: replacement = String(decoding: value.encoded, as: UTF8.self)
                }
                result = result.replacingOccurrences(of: "{{\(name)}}", with: replacement)
            }
            return .string(result)
        case .array(let elements):
            return .array(elements.map { fill($0, with: values) })
        case .object(let members):
            return .object(members.mapValues { fill($0, with: values) })
        default:
            return template
        }
    }

    var sizeRule: ImageCheck.SizeRule {
        switch parameters["size_check"] {
        case "exact": .exact
        case "aspect": .aspect(tolerance: 0.04)
        case let text?: .within(pixels: Int(text) ?? 8)
        case nil: .within(pixels: 8)
        }
    }

    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        if !request.references.isEmpty,
            let problem = Self.referenceProblem(parameters: parameters, roles: request.references.map(\.role))
        {
            throw ProviderError.invalidRequest(provider: id, message: problem)
        }
        let (bytes, requestID) = try await call(Self.fill(template, with: values(for: request)))
        let size = try ImageCheck(size: sizeRule).verify(
            bytes, width: request.width, height: request.height, provider: id, requestID: requestID)
        let cost =
            parameters["price_usd"].flatMap(Double.init)
            ?? configuration.prices.price(
                provider: id, model: model, width: size.width, height: size.height, parameters: parameters) ?? 0
        return GeneratedImage(
            bytes: bytes, width: size.width, height: size.height, costUSD: cost, providerRequestID: requestID)
    }

    /// Posts `body`; the image bytes and the request id.
    func call(_ body: JSONValue) async throws(ProviderError) -> ([UInt8], String?) {
        var headers = [(String, String)]()
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let answer = try await http.send(.POST, configuration.url, headers: headers, body: body.encoded)
        let headerID = answer.headers.first(name: "x-request-id")
        if answer.isSuccess, answer.contentType.hasPrefix("image/") { return (answer.body, headerID) }
        let json = try http.json(answer, requestID: headerID)
        let requestID =
            json.value(at: parameters["request_id_path"] ?? "id").flatMap { $0.string ?? $0.int.map(String.init) }
            ?? headerID
        let path = parameters["image_path"] ?? "image"
        guard let location = json.value(at: path)?.string else {
            throw .badResponse(provider: id, message: "the answer has no string at \(path)", requestID: requestID)
        }
        if location.hasPrefix("http://") || location.hasPrefix("https://") || location.hasPrefix("data:") {
            let authorization = token.map { ("Authorization", "Bearer \($0)") }
            return (
                try await http.fetchImage(
                    location, authorization: authorization, trustedOrigin: configuration.url, requestID: requestID),
                requestID
            )
        }
        guard let bytes = ImageCheck.base64Bytes(location) else {
            throw .badResponse(provider: id, message: "\(path) is neither base64 nor a URL", requestID: requestID)
        }
        return (bytes, requestID)
    }
}

extension HTTPEndpointProvider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The provider, model and server; never the credential.
    public var description: String { "http (model \(model), \(ProviderHTTP.redacted(configuration.url)))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
