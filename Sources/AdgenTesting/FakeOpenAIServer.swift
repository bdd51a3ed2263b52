import AdgenCore
import AdgenImaging
import Foundation

/// A fake of OpenAI's Images API (`POST /v1/images/generations` and `POST /v1/images/edits`), following
/// `openai-images.yaml`: bearer auth, `model`/`prompt` required, `size` one of the model's sizes, answers
/// `{created, data: [{b64_json}]}` (GPT image models) or `{data: [{url}]}` (DALL·E), errors as
/// `{error: {message, type, param, code}}` with `x-request-id`. An edit is `multipart/form-data`
/// (`CreateImageEditRequest`): text fields of that schema only, one or more `image[]` (or `image`) file parts, each
/// a PNG, JPEG or WebP of its declared type; dall-e-2 takes one square PNG, dall-e-3 no edits; `input_fidelity`
/// where the model takes it (`high`/`low` for gpt-image-1 and gpt-image-1.5, `low` for gpt-image-1-mini).
public struct FakeOpenAIServer: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
    /// The images edits received.
    public let references = FakeReceivedImages()
    /// The key it accepts.
    public var apiKey: String

    /// Creates the fake.
    public init(apiKey: String = "sk-test-openai-0123456789") { self.apiKey = apiKey }

    /// The handler to serve.
    public var handler: TestHTTPServer.Handler { { request in await handle(request) } }

    static func error(_ code: String, _ message: String, type: String = "invalid_request_error", param: String? = nil)
        -> JSONValue
    {
        [
            "error": [
                "message": .string(message), "type": .string(type), "param": param.map { .string($0) } ?? .null,
                "code": .string(code),
            ]
        ]
    }

    func handle(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        state.record(request)
        if let file = state.file(request) { return file }
        let routes = ["/v1/images/generations", "/v1/images/edits"]
        guard request.method == "POST", routes.contains(request.path) else {
            state.violation("\(request.method) \(request.path) is not POST /v1/images/generations or /v1/images/edits")
            return .json(Self.error("unknown_url", "Invalid URL (\(request.method) \(request.path))"), status: 404)
        }
        guard request.header("authorization") == "Bearer \(apiKey)" else {
            state.violation("missing or wrong Authorization: Bearer")
            return .json(Self.error("invalid_api_key", "Incorrect API key provided: sk-te****6789."), status: 401)
        }
        if request.path == "/v1/images/edits" { return await edit(request) }
        guard let body = request.json, let prompt = body["prompt"]?.string, let model = body["model"]?.string else {
            state.violation("the body lacks prompt or model")
            return .json(
                Self.error("missing_required_parameter", "Missing required parameter: 'prompt'.", param: "prompt"),
                status: 400)
        }
        if body["n"] != nil && body["n"]?.int != 1 { state.violation("n is not 1") }
        return await generated(
            model: model, prompt: prompt, size: body["size"]?.string ?? "",
            responseFormat: body["response_format"]?.string, host: request.header("host"))
    }

    /// The fields of `CreateImageEditRequest` besides `image` (the multipart schema), and `moderation`, which the
    /// JSON edit body (`EditImageBodyJsonParam`) has too.
    static let editFields: Set<String> = [
        "prompt", "mask", "background", "model", "n", "size", "response_format", "output_format",
        "output_compression", "user", "input_fidelity", "stream", "partial_images", "quality", "moderation",
    ]

    /// `POST /v1/images/edits`: checks the multipart form, records its images, answers as a generation does.
    func edit(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        func refuse(_ code: String, _ message: String, param: String? = nil) -> TestHTTPResponse {
            state.violation(message)
            return .json(Self.error(code, message, param: param), status: 400)
        }
        let form: FakeMultipartBody
        do {
            form = try FakeMultipartBody(request)
        } catch {
            return refuse("invalid_multipart_form", "The multipart body could not be parsed: \(error).")
        }
        for part in form.parts where !["image", "image[]"].contains(part.name) {
            if !Self.editFields.contains(part.name) {
                return refuse("unknown_parameter", "Unknown parameter: '\(part.name)'.", param: part.name)
            }
            if part.filename != nil && part.name != "mask" {
                return refuse("invalid_value", "'\(part.name)' must be a text field, not a file.", param: part.name)
            }
        }
        let fields = form.fields
        guard let prompt = fields["prompt"], !prompt.isEmpty else {
            return refuse("missing_required_parameter", "Missing required parameter: 'prompt'.", param: "prompt")
        }
        let model = fields["model"] ?? "gpt-image-1.5"
        if model.hasPrefix("dall-e-3") {
            return refuse(
                "invalid_value", "Invalid value: '\(model)'. Image edits support dall-e-2 and GPT image models.",
                param: "model")
        }
        let images = form.files("image") + form.files("image[]")
        guard !images.isEmpty else {
            return refuse("missing_required_parameter", "Missing required parameter: 'image'.", param: "image")
        }
        if model.hasPrefix("dall-e-2") {
            guard images.count == 1, images[0].name == "image" else {
                return refuse("invalid_value", "dall-e-2 edits exactly one image, sent as 'image'.", param: "image")
            }
        } else if images.count > 16 {
            return refuse("invalid_value", "Too many images: at most 16.", param: "image")
        }
        var received = [FakeReceivedImage]()
        for image in images {
            let record = FakeReceivedImage(
                field: image.name, filename: image.filename, mediaType: image.contentType, bytes: image.bytes)
            guard let filename = image.filename, !filename.isEmpty else {
                return refuse("invalid_value", "An image part has no file name.", param: "image")
            }
            do {
                try record.checkImage()
            } catch {
                return refuse("invalid_image_file", "Invalid image file '\(filename)': \(error).", param: "image")
            }
            if model.hasPrefix("dall-e-2") {
                let decoded = try? Image.decode(image.bytes)
                guard image.contentType == "image/png", let decoded, decoded.width == decoded.height else {
                    return refuse("invalid_image", "dall-e-2 edits a square PNG.", param: "image")
                }
            }
            received.append(record)
        }
        if let fidelity = fields["input_fidelity"] {
            let taken: Set<String> =
                model.hasPrefix("gpt-image-1-mini")
                ? ["low"]
                : model.hasPrefix("gpt-image-1") ? ["high", "low"] : []
            if taken.isEmpty {
                return refuse(
                    "invalid_input_fidelity_model",
                    "The model '\(model)' does not support the 'input_fidelity' parameter.", param: "input_fidelity")
            }
            if !taken.contains(fidelity) {
                return refuse(
                    "invalid_value", "input_fidelity '\(fidelity)' is not supported for model \(model).",
                    param: "input_fidelity")
            }
        }
        if let n = fields["n"], n != "1" { state.violation("n is not 1") }
        references.append(received)
        return await generated(
            model: model, prompt: prompt, size: fields["size"] ?? "", responseFormat: fields["response_format"],
            host: request.header("host"))
    }

    /// The answer to a generation or an edit that was well formed: a fault's, else the image.
    func generated(model: String, prompt: String, size: String, responseFormat: String?, host: String?) async
        -> TestHTTPResponse
    {
        let size = size.split(separator: "x").compactMap { Int($0) }
        guard size.count == 2 else {
            state.violation("size is not WIDTHxHEIGHT")
            return .json(Self.error("invalid_value", "Invalid value for 'size'.", param: "size"), status: 400)
        }
        var (width, height) = (size[0], size[1])
        let requestID = state.nextID("req_")
        var useNonImage = false
        if let fault = state.nextFault() {
            switch fault {
            case .contentPolicy:
                return .json(
                    Self.error(
                        "moderation_blocked",
                        "Your request was rejected by the safety system. If you believe this is an error, contact us.",
                        type: "image_generation_user_error"),
                    status: 400, headers: [("x-request-id", requestID)])
            case .quotaExhausted:
                return .json(
                    Self.error(
                        "insufficient_quota",
                        "You exceeded your current quota, please check your plan and billing details.",
                        type: "insufficient_quota"),
                    status: 429)
            case .invalidRequest:
                return .json(
                    Self.error(
                        "invalid_value", "Invalid value: '\(width)x\(height)'. Supported values are: '1024x1024'.",
                        param: "size"),
                    status: 400, headers: [("x-request-id", requestID)])
            case .nonImage: useNonImage = true
            case .wrongSize(let w, let h): (width, height) = (w, h)
            default:
                if let response = await fault.genericResponse(errorBody: { Self.error($0, $1, type: "server_error") }) {
                    return response
                }
            }
        }
        let bytes =
            useNonImage
            ? TestImages.notAnImage : TestImages.png(width: width, height: height, seed: UInt64(prompt.count))
        let image: JSONValue
        if model.hasPrefix("dall-e") && responseFormat != "b64_json" {
            let host = host ?? "127.0.0.1"
            image = [
                "url": .string("http://\(host)\(state.store(bytes))?se=2026-11-26&sig=SECRET"),
                "revised_prompt": .string(prompt),
            ]
        } else {
            image = ["b64_json": .string(Data(bytes).base64EncodedString())]
        }
        return .json(
            ["created": 1_713_833_628, "data": [image], "size": .string("\(width)x\(height)"), "output_format": "png"],
            headers: [("x-request-id", requestID)])
    }
}
