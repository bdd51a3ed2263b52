import AdgenCore
import Foundation

/// A fake of OpenAI's Images API (`POST /v1/images/generations`), following `openai-images.yaml`: bearer auth,
/// `model`/`prompt` required, `size` one of the model's sizes, answers `{created, data: [{b64_json}]}` (GPT image
/// models) or `{data: [{url}]}` (DALL·E), errors as `{error: {message, type, param, code}}` with `x-request-id`.
public struct FakeOpenAIServer: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
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
        guard request.method == "POST", request.path == "/v1/images/generations" else {
            state.violation("\(request.method) \(request.path) is not POST /v1/images/generations")
            return .json(Self.error("unknown_url", "Invalid URL (\(request.method) \(request.path))"), status: 404)
        }
        guard request.header("authorization") == "Bearer \(apiKey)" else {
            state.violation("missing or wrong Authorization: Bearer")
            return .json(Self.error("invalid_api_key", "Incorrect API key provided: sk-te****6789."), status: 401)
        }
        guard let body = request.json, let prompt = body["prompt"]?.string, let model = body["model"]?.string else {
            state.violation("the body lacks prompt or model")
            return .json(
                Self.error("missing_required_parameter", "Missing required parameter: 'prompt'.", param: "prompt"),
                status: 400)
        }
        if body["n"] != nil && body["n"]?.int != 1 { state.violation("n is not 1") }
        let size = (body["size"]?.string ?? "").split(separator: "x").compactMap { Int($0) }
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
        if model.hasPrefix("dall-e") && body["response_format"]?.string != "b64_json" {
            let host = request.header("host") ?? "127.0.0.1"
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
