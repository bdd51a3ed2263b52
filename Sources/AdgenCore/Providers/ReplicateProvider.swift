import AsyncHTTPClient
import Foundation

/// Replicate predictions. An official model (`owner/name`) is run through `POST /v1/models/{owner}/{name}/predictions`,
/// a version (`owner/name:VERSION`, or the bare 64-hex id) through `POST /v1/predictions`; both with `Prefer: wait`
/// (the answer holds the output when it is ready in time) and `Cancel-After` (Replicate stops a prediction adgen
/// lost track of). An unfinished prediction is polled at `urls.get` until it succeeds, fails or is cancelled; a
/// cancelled Swift task cancels it at `urls.cancel`. The input is `prompt`, `aspect_ratio` (FLUX style, the
/// planner's family), `seed`, `negative_prompt` when there is one, and `generation.parameters` (typed: numbers
/// and booleans as such). `size_mode: pixels` sends `width` and `height` instead of `aspect_ratio`.
///
/// Reference images go in as `data:` URLs in the input `generation.parameters.image_input` names (not itself sent),
/// as models name it differently: `input_image` (FLUX Kontext, one image), or with a trailing `[]` a list
/// (`image_input[]` for nano-banana sends `image_input: [url, …]`).
public struct ReplicateProvider: ImageProvider {
    /// Settings with defaults.
    public struct Configuration: Sendable {
        /// The API's base URL.
        public var baseURL: String = "https://api.replicate.com"
        /// How long the create call holds the connection open for the output (`Prefer: wait=N`, 1…60 s).
        public var wait: Int = 60
        /// The longest one HTTP request may take.
        public var requestTimeout: Duration = .seconds(90)
        /// Between two polls.
        public var pollInterval: Duration = .seconds(1)
        /// The longest a prediction may take in all; it is then cancelled and the call fails with `timeout`.
        public var generationTimeout: Duration = .seconds(600)
        /// The prices.
        public var prices: PriceTable = .builtIn

        /// The defaults.
        public init() {}
    }

    public let id = "replicate"
    /// The model: `owner/name`, `owner/name:version` or a version id.
    public var model: String
    /// Extra input fields.
    public var parameters: [String: String]
    /// The settings.
    public var configuration: Configuration
    let http: ProviderHTTP
    let token: String

    /// Creates the adapter. `token` is `REPLICATE_API_TOKEN`.
    public init(
        token: String, model: String, parameters: [String: String] = [:], httpClient: HTTPClient,
        configuration: Configuration = .init()
    ) {
        self.token = token
        self.model = model
        self.parameters = parameters
        self.configuration = configuration
        http = ProviderHTTP(
            provider: "replicate", client: httpClient, timeout: configuration.requestTimeout, secret: token)
    }

    /// The aspect ratios FLUX models take.
    static let aspectRatios = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]

    /// The listed aspect ratio nearest `width`:`height`.
    static func aspectRatio(width: Int, height: Int) -> String {
        let ratio = Double(width) / Double(height)
        return aspectRatios.min { lhs, rhs in
            abs(log(Self.value(lhs) / ratio)) < abs(log(Self.value(rhs) / ratio))
        }!
    }

    static func value(_ name: String) -> Double {
        let parts = name.split(separator: ":").compactMap { Double($0) }
        return parts[0] / parts[1]
    }

    /// Whether `model` names a version rather than an official model.
    static func isVersion(_ model: String) -> Bool {
        model.contains(":") || (model.count == 64 && model.allSatisfy(\.isHexDigit))
    }

    /// The model without its version: the price table's key.
    var modelName: String { String(model.split(separator: ":").first ?? "") }

    var pixelMode: Bool { parameters["size_mode"] == "pixels" }

    /// The prediction input for `request`.
    func input(for request: GenerationRequest) -> [String: JSONValue] {
        var input: [String: JSONValue] = [
            "prompt": .string(request.prompt),
            "seed": .int(Int64(request.seed % 2_147_483_648)),
        ]
        if pixelMode {
            input["width"] = .int(Int64(request.width))
            input["height"] = .int(Int64(request.height))
        } else {
            input["aspect_ratio"] = .string(Self.aspectRatio(width: request.width, height: request.height))
        }
        if let negative = request.negativePrompt, !negative.isEmpty { input["negative_prompt"] = .string(negative) }
        let parameters = self.parameters.merging(request.parameters, uniquingKeysWith: { $1 })
        for (key, value) in parameters where key != "size_mode" && key != "image_input" {
            input[key] = JSONValue.inferred(value)
        }
        if !request.references.isEmpty, let field = Self.imageInput(parameters) {
            let urls = request.references.map { JSONValue.string($0.dataURL) }
            input[field.name] = field.isList ? .array(urls) : urls[0]
        }
        return input
    }

    /// The model input reference images go in, from `image_input`: `input_image` (one), `image_input[]` (a list
    /// named `image_input`); nil when it is not set.
    static func imageInput(_ parameters: [String: String]) -> (name: String, isList: Bool)? {
        guard let named = parameters["image_input"]?.trimmingCharacters(in: .whitespaces), !named.isEmpty else {
            return nil
        }
        return named.hasSuffix("[]") ? (String(named.dropLast(2)), true) : (named, false)
    }

    /// Why `model` cannot take reference images with `parameters`, as a message saying how to fix it; nil when it
    /// can. Replicate models name their image input differently, so `image_input` must name it. Checked at load,
    /// before anything is paid for, and again before a request is sent.
    public static func referenceProblem(
        model: String, parameters: [String: String], roles: [ReferenceImage.Role] = [.product]
    ) -> String? {
        guard !roles.isEmpty else { return nil }
        guard let field = imageInput(parameters), !field.name.isEmpty else {
            return "replicate model \(model) needs generation.parameters.image_input to take the product image: the "
                + "name of the model's image input, e.g. input_image (FLUX Kontext) or image_input[] (a list, "
                + "nano-banana); see the model's API page"
        }
        if roles.count > 1 && !field.isList {
            return "replicate input \(field.name) takes one image, so the logo cannot be sent with the product; name a "
                + "list input with a trailing [] in generation.parameters.image_input (e.g. image_input[])"
        }
        return nil
    }

    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        if !request.references.isEmpty,
            let problem = Self.referenceProblem(
                model: model, parameters: parameters.merging(request.parameters, uniquingKeysWith: { $1 }),
                roles: request.references.map(\.role))
        {
            throw ProviderError.invalidRequest(provider: id, message: problem)
        }
        let prediction = try await run(input: input(for: request))
        let requestID = prediction.id
        guard let location = Self.firstOutput(prediction.output) else {
            throw ProviderError.badResponse(
                provider: id, message: "the prediction succeeded without an output file", requestID: requestID)
        }
        let bytes = try await http.fetchImage(
            location, authorization: ("Authorization", "Bearer \(token)"), trustedOrigin: configuration.baseURL,
            requestID: requestID)
        let check = ImageCheck(size: pixelMode ? .within(pixels: 64) : .aspect(tolerance: 0.04))
        let size = try check.verify(
            bytes, width: request.width, height: request.height, provider: id, requestID: requestID)
        let cost = configuration.prices.price(
            provider: id, model: modelName, width: size.width, height: size.height, parameters: parameters)
        return GeneratedImage(
            bytes: bytes, width: size.width, height: size.height, costUSD: cost ?? 0, providerRequestID: requestID)
    }

    /// The first file of an output: a URL string, or the first of a list of them.
    static func firstOutput(_ output: JSONValue?) -> String? {
        if let text = output?.string { return text }
        if let first = output?[0]?.string { return first }
        return output?["image"]?.string ?? output?["url"]?.string
    }

    /// A finished prediction.
    struct Prediction: Sendable {
        var id: String
        var output: JSONValue?
    }

    /// Creates a prediction with `input`, waits for it and returns it once it succeeded.
    func run(input: [String: JSONValue]) async throws(ProviderError) -> Prediction {
        let base = OpenAIProvider.apiBase(configuration.baseURL)
        let (url, body): (String, JSONValue)
        if Self.isVersion(model) {
            let version = String(model.split(separator: ":").last ?? "")
            (url, body) = (base + "/predictions", ["version": .string(version), "input": .object(input)])
        } else {
            (url, body) = (base + "/models/\(model)/predictions", ["input": .object(input)])
        }
        let limit = max(1, Int(configuration.generationTimeout.components.seconds))
        let answer = try await http.send(
            .POST, url,
            headers: [
                ("Authorization", "Bearer \(token)"), ("Prefer", "wait=\(min(60, max(1, configuration.wait)))"),
                ("Cancel-After", "\(limit)s"),
            ],
            body: body.encoded)
        var prediction = try http.json(answer)
        guard let predictionID = prediction["id"]?.string else {
            throw .badResponse(provider: id, message: "the created prediction has no id", status: answer.status)
        }
        let started = ContinuousClock.now
        while true {
            let status = prediction["status"]?.string ?? ""
            switch status {
            case "succeeded":
                return Prediction(id: predictionID, output: prediction["output"])
            case "failed":
                let reason = http.scrub(prediction["error"]?.string ?? "no reason given")
                if ProviderHTTP.isContentPolicy(code: "", message: reason) {
                    throw .contentPolicy(provider: id, message: reason, requestID: predictionID)
                }
                throw .unavailable(provider: id, message: "the prediction failed: \(reason)", requestID: predictionID)
            case "canceled", "aborted":
                throw .cancelled(
                    provider: id, message: "the prediction was \(status) by Replicate", requestID: predictionID)
            case "starting", "processing":
                break
            default:
                throw .badResponse(
                    provider: id, message: "unknown prediction status '\(status)'", requestID: predictionID)
            }
            let getURL = prediction["urls"]?["get"]?.string ?? base + "/predictions/\(predictionID)"
            let cancelURL = prediction["urls"]?["cancel"]?.string ?? base + "/predictions/\(predictionID)/cancel"
            do throws(ProviderError) {
                if ContinuousClock.now - started > configuration.generationTimeout {
                    throw ProviderError.timeout(
                        provider: id,
                        message:
                            "the prediction did not finish within \(ProviderHTTP.seconds(configuration.generationTimeout))",
                        requestID: predictionID)
                }
                try await http.pause(configuration.pollInterval, requestID: predictionID)
                let poll = try await http.send(.GET, getURL, headers: [("Authorization", "Bearer \(token)")])
                if poll.status == 429 || poll.status >= 500 { continue }  // a hiccup while polling: poll again
                prediction = try http.json(poll, requestID: predictionID)
            } catch {
                if error.endsRemoteWork {
                    await cancel(cancelURL)
                    var error = error
                    error.requestID = predictionID
                    throw error
                }
                throw error
            }
        }
    }

    /// Asks Replicate to cancel a prediction, from a task of its own: the caller's task may be cancelled already,
    /// which would cancel this request too. Best effort: an error is ignored.
    func cancel(_ url: String) async {
        let http = self.http
        let token = self.token
        let task = Task {
            _ = try? await http.send(.POST, url, headers: [("Authorization", "Bearer \(token)")], timeout: .seconds(10))
        }
        await task.value
    }
}

extension ReplicateProvider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The provider, model and server; never the credential.
    public var description: String { "replicate (model \(model), \(configuration.baseURL))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
