import AsyncHTTPClient
import Crypto
import Foundation

/// A ComfyUI server: `POST /prompt` with the workflow (the built-in txt2img one, or a file named in
/// `generation.parameters.workflow`) filled with the prompt, negative prompt, seed, size and checkpoint; poll
/// `GET /history/{prompt_id}` until the prompt has outputs; `GET /view` the first image. A cancelled Swift task
/// deletes the prompt from the queue, or interrupts it when it is the one running. No key.
///
/// A request with reference images first uploads each to the server's input folder (`POST /upload/image`,
/// multipart `image` with `overwrite=true`, under a name made from its digest, so the same image is the same file),
/// then writes the names the server gave them into the workflow's `LoadImage` node(s). It runs `referenceWorkflow`:
/// the built-in img2img graph, or the campaign's own workflow, which must then have a `LoadImage` node.
public struct ComfyUIProvider: ImageProvider {
    /// Settings with defaults.
    public struct Configuration: Sendable {
        /// The server's base URL.
        public var baseURL: String = "http://127.0.0.1:8188"
        /// The longest one HTTP request may take.
        public var requestTimeout: Duration = .seconds(30)
        /// Between two history polls.
        public var pollInterval: Duration = .milliseconds(500)
        /// The longest a prompt may take, queue included; it is then cancelled and fails with `timeout`.
        public var generationTimeout: Duration = .seconds(900)
        /// The prices.
        public var prices: PriceTable = .builtIn

        /// The defaults.
        public init() {}
    }

    public let id = "comfyui"
    /// The checkpoint (`ckpt_name`), or `default` to keep the workflow's.
    public var model: String
    /// The workflow.
    public var workflow: ComfyUIWorkflow
    /// The workflow of requests with reference images; nil: `workflow`.
    public var referenceWorkflow: ComfyUIWorkflow?
    /// Sampler settings (`steps`, `cfg`, `sampler_name`, `scheduler`, `denoise`).
    public var parameters: [String: String]
    /// The settings.
    public var configuration: Configuration
    let http: ProviderHTTP
    let clientID = UUID().uuidString.lowercased()

    /// Creates the adapter.
    public init(
        model: String, workflow: ComfyUIWorkflow, referenceWorkflow: ComfyUIWorkflow? = nil,
        parameters: [String: String] = [:], httpClient: HTTPClient, configuration: Configuration = .init()
    ) {
        self.model = model
        self.workflow = workflow
        self.referenceWorkflow = referenceWorkflow
        self.parameters = parameters
        self.configuration = configuration
        http = ProviderHTTP(provider: "comfyui", client: httpClient, timeout: configuration.requestTimeout)
    }

    var base: String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    public func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        let parameters = self.parameters.merging(request.parameters, uniquingKeysWith: { $1 })
        let flow = request.references.isEmpty ? workflow : referenceWorkflow ?? workflow
        var images = [ReferenceImage.Role: String]()
        if !request.references.isEmpty {
            if let problem = flow.referenceProblem(roles: request.references.map(\.role)) {
                throw ProviderError.invalidRequest(provider: id, message: problem)
            }
            for reference in request.references where images[reference.role] == nil {
                images[reference.role] = try await upload(reference)
            }
        }
        let graph = flow.filled(with: request, model: model, parameters: parameters, images: images)
        let body: JSONValue = ["prompt": graph, "client_id": .string(clientID)]
        let answer = try await http.send(.POST, base + "/prompt", body: body.encoded)
        if answer.status == 400 {
            throw ProviderError.invalidRequest(
                provider: id, message: Self.validationMessage(answer), status: answer.status)
        }
        let queued = try http.json(answer)
        guard let promptID = queued["prompt_id"]?.string else {
            throw ProviderError.badResponse(provider: id, message: "the /prompt answer has no prompt_id")
        }
        let image = try await wait(for: promptID)
        var components = URLComponents(string: base + "/view")
        components?.queryItems = [
            URLQueryItem(name: "filename", value: image.filename),
            URLQueryItem(name: "subfolder", value: image.subfolder),
            URLQueryItem(name: "type", value: image.type),
        ]
        let bytes = try await http.fetchImage(components?.string ?? base + "/view", requestID: promptID)
        let size = try ImageCheck(size: .within(pixels: 8)).verify(
            bytes, width: request.width, height: request.height, provider: id, requestID: promptID)
        let cost = configuration.prices.price(
            provider: id, model: model, width: size.width, height: size.height, parameters: parameters)
        return GeneratedImage(
            bytes: bytes, width: size.width, height: size.height, costUSD: cost ?? 0, providerRequestID: promptID)
    }

    /// Uploads a reference image to the server's input folder; the name a `LoadImage` node takes it by
    /// (`subfolder/name` when the server put it in a subfolder).
    func upload(_ image: ReferenceImage) async throws(ProviderError) -> String {
        let filename = Self.uploadName(image)
        var form = MultipartForm()
        form.add("image", filename: filename, contentType: image.mediaType, data: image.bytes)
        form.add("overwrite", "true")
        let answer = try await http.send(
            .POST, base + "/upload/image", headers: [("Content-Type", form.contentType)], body: form.body)
        guard answer.isSuccess else {
            var error = http.failure(answer)
            error.message = "uploading \(filename) to /upload/image: \(error.message)"
            throw error
        }
        let json = try http.json(answer)
        guard let name = json["name"]?.string, !name.isEmpty else {
            throw ProviderError.badResponse(
                provider: id, message: "the /upload/image answer has no name", status: answer.status)
        }
        let subfolder = json["subfolder"]?.string ?? ""
        return subfolder.isEmpty ? name : subfolder + "/" + name
    }

    /// The name a reference is uploaded under: `adgen-` and 16 hex digits of its bytes' digest, then its own name
    /// reduced to letters, digits, `.`, `-` and `_` (`adgen-3f2a…-ridge-3.png`). Overwriting it is harmless: the same
    /// name holds the same bytes.
    static func uploadName(_ image: ReferenceImage) -> String {
        let digest = SHA256.hash(data: image.bytes).withUnsafeBytes { Hex.prefix(of: $0, digits: 16) }
        let last = image.name.split(separator: "/").last.map(String.init) ?? ""
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
        let cleaned = String(last.map { allowed.contains($0) ? $0 : "-" }).trimmingCharacters(in: ["."])
        return "adgen-\(digest)-\(cleaned.isEmpty ? "reference" : cleaned)"
    }

    /// Why reference images in `roles` cannot go into `workflow` (the one requests with references run), as a
    /// message saying how to fix it; nil when they can.
    public static func referenceProblem(workflow: ComfyUIWorkflow, roles: [ReferenceImage.Role] = [.product])
        -> String?
    {
        roles.isEmpty ? nil : workflow.referenceProblem(roles: roles)
    }

    /// An image a prompt wrote.
    struct OutputImage {
        var filename: String
        var subfolder: String
        var type: String
    }

    /// Polls the history until `promptID` has finished; its first output image.
    func wait(for promptID: String) async throws(ProviderError) -> OutputImage {
        let started = ContinuousClock.now
        do throws(ProviderError) {
            while true {
                if ContinuousClock.now - started > configuration.generationTimeout {
                    throw ProviderError.timeout(
                        provider: id,
                        message:
                            "the prompt did not finish within \(ProviderHTTP.seconds(configuration.generationTimeout))",
                        requestID: promptID)
                }
                let answer = try await http.send(.GET, base + "/history/\(promptID)")
                if answer.status == 429 || answer.status >= 500 {
                    try await http.pause(configuration.pollInterval, requestID: promptID)
                    continue
                }
                let history = try http.json(answer, requestID: promptID)
                if let entry = history[promptID] {
                    if entry["status"]?["status_str"]?.string == "error" {
                        let messages = entry["status"]?["messages"]?.array ?? []
                        let failure = messages.first { $0[0]?.string == "execution_error" }?[1]
                        let reason = failure?["exception_message"]?.string ?? "the prompt failed"
                        let node = failure?["node_type"]?.string.map { " in \($0)" } ?? ""
                        throw ProviderError.unavailable(
                            provider: id, message: "execution error\(node): \(ProviderHTTP.oneLine(reason))",
                            requestID: promptID)
                    }
                    let outputs = entry["outputs"]?.object ?? [:]
                    let images = outputs.keys.sorted().flatMap { outputs[$0]?["images"]?.array ?? [] }
                    let saved = images.first { $0["type"]?.string == "output" } ?? images.first
                    if let saved, let filename = saved["filename"]?.string {
                        return OutputImage(
                            filename: filename, subfolder: saved["subfolder"]?.string ?? "",
                            type: saved["type"]?.string ?? "output")
                    }
                    if entry["status"]?["completed"]?.bool == true || entry["status"] == nil {
                        throw ProviderError.badResponse(
                            provider: id,
                            message: "the prompt finished without an output image; does the workflow save one?",
                            requestID: promptID)
                    }
                }
                try await http.pause(configuration.pollInterval, requestID: promptID)
            }
        } catch {
            if error.endsRemoteWork { await cancel(promptID) }
            var error = error
            error.requestID = error.requestID ?? promptID
            throw error
        }
    }

    /// Takes `promptID` off the queue; interrupts it if it is the one running (and only then, so another
    /// client's prompt is never interrupted). Runs in a task of its own; best effort.
    func cancel(_ promptID: String) async {
        let http = self.http
        let base = self.base
        let task = Task {
            let delete: JSONValue = ["delete": [.string(promptID)]]
            _ = try? await http.send(.POST, base + "/queue", body: delete.encoded, timeout: .seconds(5))
            guard let answer = try? await http.send(.GET, base + "/queue", timeout: .seconds(5)),
                let queue = JSONValue.parse(answer.body)
            else { return }
            let running = (queue["queue_running"]?.array ?? []).contains { $0[1]?.string == promptID }
            if running {
                let body: JSONValue = ["prompt_id": .string(promptID)]
                _ = try? await http.send(.POST, base + "/interrupt", body: body.encoded, timeout: .seconds(5))
            }
        }
        await task.value
    }

    /// The message of a 400 from `/prompt`: the error and each node's errors.
    static func validationMessage(_ answer: ProviderAnswer) -> String {
        var text = ProviderHTTP.providerMessage(answer)
        if let json = JSONValue.parse(answer.body), let nodes = json["node_errors"]?.object {
            for id in nodes.keys.sorted() {
                let node = nodes[id]
                let errors = (node?["errors"]?.array ?? []).map {
                    [$0["message"]?.string, $0["details"]?.string].compactMap { $0 }.joined(separator: ": ")
                }
                text += "; node \(id) (\(node?["class_type"]?.string ?? "?")): \(errors.joined(separator: ", "))"
            }
        }
        return ProviderHTTP.oneLine(text)
    }
}

extension ComfyUIProvider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The provider, model and server; never the credential.
    public var description: String { "comfyui (model \(model), \(configuration.baseURL))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
