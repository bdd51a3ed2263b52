import AsyncHTTPClient

/// fal's queue API: submit (`POST https://queue.fal.run/{model}`), poll the request's `status_url` until
/// `COMPLETED`, read the result at `response_url`, download `images[0].url`; a cancelled Swift task cancels the
/// request at `cancel_url` (`PUT`). Auth is `Authorization: Key $FAL_KEY`. The input is `prompt`,
/// `image_size: {width, height}`, `seed`, `num_images: 1`, `negative_prompt` when there is one, and
/// `generation.parameters` (typed). A result flagged by the safety checker (`has_nsfw_concepts`) is a
/// content-policy refusal.
///
/// Reference images go in as `data:` URLs in the field `generation.parameters.image_field` names (not itself sent):
/// one string (`image_url`, as FLUX Kontext takes it) or, for a name ending in `_urls` or `[]`, a list
/// (`image_urls`, as nano-banana and Seedream edit take it). Default: `image_url` for one reference, `image_urls`
/// for several.
public struct FalProvider: ImageProvider {
    /// Settings with defaults.
    public struct Configuration: Sendable {
        /// The queue's base URL.
        public var queueURL: String = "https://queue.fal.run"
        /// The longest one HTTP request may take.
        public var requestTimeout: Duration = .seconds(60)
        /// Between two status polls.
        public var pollInterval: Duration = .milliseconds(500)
        /// The longest a request may take in all, queue included; it is then cancelled and fails with `timeout`.
        public var generationTimeout: Duration = .seconds(600)
        /// The prices.
        public var prices: PriceTable = .builtIn

        /// The defaults.
        public init() {}
    }

    public let id = "fal"
    /// The model (endpoint id), e.g. `fal-ai/flux/dev`.
    public var model: String
    /// Extra input fields.
    public var parameters: [String: String]
    /// The settings.
    public var configuration: Configuration
    let http: ProviderHTTP
    let key: String

    /// Creates the adapter. `key` is `FAL_KEY`.
    public init(
        key: String, model: String, parameters: [String: String] = [:], httpClient: HTTPClient,
        configuration: Configuration = .init()
    ) {
        self.key = key
        self.model = model
        self.parameters = parameters
        self.configuration = configuration
        http = ProviderHTTP(provider: "fal", client: httpClient, timeout: configuration.requestTimeout, secret: key)
    }

    var authorization: (String, String) { ("Authorization", "Key \(key)") }

    /// The input for `request`.
    func input(for request: GenerationRequest) -> [String: JSONValue] {
        var input: [String: JSONValue] = [
            "prompt": .string(request.prompt),
            "image_size": ["width": .int(Int64(request.width)), "height": .int(Int64(request.height))],
            "seed": .int(Int64(request.seed % 2_147_483_648)),
            "num_images": 1,
        ]
        if let negative = request.negativePrompt, !negative.isEmpty { input["negative_prompt"] = .string(negative) }
        let parameters = self.parameters.merging(request.parameters, uniquingKeysWith: { $1 })
        for (key, value) in parameters where key != "image_field" {
            input[key] = JSONValue.inferred(value)
        }
        if !request.references.isEmpty {
            let field = Self.imageField(parameters, count: request.references.count)
            let urls = request.references.map { JSONValue.string($0.dataURL) }
            input[field.name] = field.isList ? .array(urls) : urls[0]
        }
        return input
    }

    /// The input field reference images go in, and whether it takes a list: `image_field` (`image_urls`,
    /// `reference_images[]`, `image_url`), else `image_url` for one image and `image_urls` for several.
    static func imageField(_ parameters: [String: String], count: Int) -> (name: String, isList: Bool) {
        guard let named = parameters["image_field"]?.trimmingCharacters(in: .whitespaces), !named.isEmpty else {
            return count > 1 ? ("image_urls", true) : ("image_url", false)
        }
        if named.hasSuffix("[]") { return (String(named.dropLast(2)), true) }
        return (named, named.hasSuffix("_urls"))
    }

    /// The text-to-image endpoints that would ignore an image: a model id ending in `text-to-image`, or one of these.
    static let textToImageModels: Set<String> = [
        "fal-ai/flux/schnell", "fal-ai/flux/dev", "fal-ai/flux-pro", "fal-ai/flux-pro/v1.1",
        "fal-ai/flux-pro/v1.1-ultra",
    ]

    /// Why `model` cannot take reference images with `parameters`, as a message saying how to fix it; nil when it
    /// can. Checked at load, before anything is paid for, and again before a request is sent.
    public static func referenceProblem(
        model: String, parameters: [String: String], roles: [ReferenceImage.Role] = [.product]
    ) -> String? {
        guard !roles.isEmpty else { return nil }
        if parameters["image_field"] == nil, textToImageModels.contains(model) || model.hasSuffix("text-to-image") {
            return "fal endpoint \(model) makes images from text only and would ignore the product image; use an "
                + "endpoint that takes images (fal-ai/flux-pro/kontext, fal-ai/nano-banana/edit, …), or name its "
                + "image input in generation.parameters.image_field"
        }
        let field = imageField(parameters, count: roles.count)
        if roles.count > 1 && !field.isList {
            return "fal input \(field.name) takes one image, so the logo cannot be sent with the product; name a list "
                + "input in generation.parameters.image_field (image_urls, or NAME[])"
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
        let (requestID, result) = try await run(input: input(for: request))
        if let flags = result["has_nsfw_concepts"]?.array, flags.first?.bool == true {
            throw ProviderError.contentPolicy(
                provider: id, message: "fal's safety checker flagged the image (has_nsfw_concepts)",
                requestID: requestID)
        }
        guard let location = result["images"]?[0]?["url"]?.string ?? result["image"]?["url"]?.string else {
            throw ProviderError.badResponse(
                provider: id, message: "the result has no images[0].url", requestID: requestID)
        }
        let bytes = try await http.fetchImage(location, requestID: requestID)
        let size = try ImageCheck(size: .within(pixels: 64)).verify(
            bytes, width: request.width, height: request.height, provider: id, requestID: requestID)
        let cost = configuration.prices.price(
            provider: id, model: model, width: size.width, height: size.height, parameters: parameters)
        return GeneratedImage(
            bytes: bytes, width: size.width, height: size.height, costUSD: cost ?? 0, providerRequestID: requestID)
    }

    /// Submits `input` to the queue, waits for it and returns the request id and the model's output.
    func run(input: [String: JSONValue]) async throws(ProviderError) -> (String, JSONValue) {
        var base = configuration.queueURL
        while base.hasSuffix("/") { base.removeLast() }
        let submitted = try await http.send(
            .POST, base + "/" + model, headers: [authorization], body: JSONValue.object(input).encoded)
        let queued = try http.json(submitted)
        guard let requestID = queued["request_id"]?.string else {
            throw .badResponse(provider: id, message: "the queue answer has no request_id", status: submitted.status)
        }
        // Status, result and cancel live under the model id without a subpath (fal-ai/flux/dev → fal-ai/flux).
        let appID = model.split(separator: "/").prefix(2).joined(separator: "/")
        let requestBase = "\(base)/\(appID)/requests/\(requestID)"
        let statusURL = queued["status_url"]?.string ?? requestBase + "/status"
        let responseURL = queued["response_url"]?.string ?? requestBase
        let cancelURL = queued["cancel_url"]?.string ?? requestBase + "/cancel"
        let started = ContinuousClock.now
        do throws(ProviderError) {
            while true {
                if ContinuousClock.now - started > configuration.generationTimeout {
                    throw ProviderError.timeout(
                        provider: id,
                        message:
                            "the request did not finish within \(ProviderHTTP.seconds(configuration.generationTimeout))",
                        requestID: requestID)
                }
                let poll = try await http.send(.GET, statusURL, headers: [authorization])
                if poll.status == 429 || poll.status >= 500 {
                    try await http.pause(configuration.pollInterval, requestID: requestID)
                    continue
                }
                let status = try http.json(poll, requestID: requestID)
                switch status["status"]?.string {
                case "COMPLETED":
                    let answer = try await http.send(.GET, responseURL, headers: [authorization])
                    return (requestID, try http.json(answer, requestID: requestID))
                case "IN_QUEUE", "IN_PROGRESS":
                    break
                default:
                    throw ProviderError.badResponse(
                        provider: id, message: "unknown queue status '\(status["status"]?.string ?? "")'",
                        requestID: requestID)
                }
                try await http.pause(configuration.pollInterval, requestID: requestID)
            }
        } catch {
            if error.endsRemoteWork { await cancel(cancelURL) }
            var error = error
            error.requestID = error.requestID ?? requestID
            throw error
        }
    }

    /// Cancels a queued request from a task of its own (the caller's may be cancelled). Best effort.
    func cancel(_ url: String) async {
        let http = self.http
        let authorization = self.authorization
        let task = Task { _ = try? await http.send(.PUT, url, headers: [authorization], timeout: .seconds(10)) }
        await task.value
    }
}

extension FalProvider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The provider, model and server; never the credential.
    public var description: String { "fal (model \(model), \(configuration.queueURL))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
