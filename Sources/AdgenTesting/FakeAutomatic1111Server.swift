import AdgenCore
import Foundation

/// A fake AUTOMATIC1111 / Forge webui, following `automatic1111-txt2img.json`: `POST /sdapi/v1/txt2img` with the
/// `StableDiffusionProcessingTxt2Img` fields (unknown fields ignored, as pydantic does), answering
/// `{images: [base64 PNG], parameters, info}` where `info` is a JSON string; a wrong field type is a 422
/// `{detail: [{loc, msg, type}]}`; with `basicAuth` set, a request without it is a 401. The image is the
/// requested size rounded down to a multiple of 8. `POST /sdapi/v1/img2img` takes the same fields plus
/// `init_images` (a list of base64 images, or `data:` URLs, as the webui's `decode_base64_to_image` reads them:
/// one that does not decode is its 500 `Invalid encoded image`) and `denoising_strength` (a number, 0 to 1).
public struct FakeAutomatic1111Server: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
    /// The init images img2img received.
    public let references = FakeReceivedImages()
    /// `user:password` it requires, as `--api-auth`; nil: none.
    public var basicAuth: String?

    /// Creates the fake.
    public init(basicAuth: String? = nil) { self.basicAuth = basicAuth }

    /// The handler to serve.
    public var handler: TestHTTPServer.Handler { { request in await handle(request) } }

    func handle(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        state.record(request)
        guard request.method == "POST", ["/sdapi/v1/txt2img", "/sdapi/v1/img2img"].contains(request.path) else {
            state.violation("\(request.method) \(request.path) is not POST /sdapi/v1/txt2img or /sdapi/v1/img2img")
            return .json(["detail": "Not Found"], status: 404)
        }
        if let basicAuth, request.header("authorization") != "Basic \(Data(basicAuth.utf8).base64EncodedString())" {
            state.violation("missing or wrong basic auth")
            return .json(
                ["detail": "Incorrect username or password"], status: 401, headers: [("WWW-Authenticate", "Basic")])
        }
        guard let body = request.json, let prompt = body["prompt"]?.string else {
            state.violation("the body has no prompt")
            return .json(
                ["detail": [["loc": ["body", "prompt"], "msg": "field required", "type": "value_error.missing"]]],
                status: 422)
        }
        for field in ["seed", "width", "height", "steps", "batch_size", "n_iter"]
        where body[field] != nil && body[field]?.int == nil {
            state.violation("\(field) is not an integer")
            return .json(
                [
                    "detail": [
                        [
                            "loc": ["body", .string(field)], "msg": "value is not a valid integer",
                            "type": "type_error.integer",
                        ]
                    ]
                ], status: 422)
        }
        if request.path == "/sdapi/v1/img2img" {
            func invalid(_ field: String, _ message: String, type: String) -> TestHTTPResponse {
                state.violation("\(field): \(message)")
                return .json(
                    ["detail": [["loc": ["body", .string(field)], "msg": .string(message), "type": .string(type)]]],
                    status: 422)
            }
            guard let images = body["init_images"]?.array, !images.isEmpty else {
                return invalid("init_images", "value is not a valid list", type: "type_error.list")
            }
            if let strength = body["denoising_strength"], strength.double == nil || !(0...1).contains(strength.double!)
            {
                return invalid("denoising_strength", "value is not a valid float from 0 to 1", type: "type_error.float")
            }
            var received = [FakeReceivedImage]()
            for (index, image) in images.enumerated() {
                guard let text = image.string else {
                    return invalid("init_images", "str type expected", type: "type_error.str")
                }
                let field = "init_images[\(index)]"
                let decoded: FakeReceivedImage? =
                    text.hasPrefix("data:")
                    ? try? FakeReceivedImage(dataURL: text, field: field)
                    : Data(base64Encoded: text).map { FakeReceivedImage(field: field, bytes: Array($0)) }
                guard let decoded, (try? decoded.checkImage()) != nil else {
                    state.violation("\(field) is not a base64 image")
                    return .json(["error": "HTTPException", "detail": "Invalid encoded image"], status: 500)
                }
                received.append(decoded)
            }
            references.append(received)
        }
        var width = (body["width"]?.int ?? 512) / 8 * 8
        var height = (body["height"]?.int ?? 512) / 8 * 8
        var bytes: [UInt8]?
        if let fault = state.nextFault() {
            switch fault {
            case .invalidRequest:
                return .json(
                    [
                        "detail": [
                            [
                                "loc": ["body", "steps"], "msg": "value is not a valid integer",
                                "type": "type_error.integer",
                            ]
                        ]
                    ], status: 422)
            case .nonImage: bytes = TestImages.notAnImage
            case .wrongSize(let w, let h): (width, height) = (w, h)
            case .serverError(let status):
                return .json(
                    ["error": "RuntimeError", "detail": "", "body": "", "errors": "CUDA out of memory"], status: status)
            default:
                if let response = await fault.genericResponse(errorBody: {
                    ["error": .string($0), "detail": .string($1)]
                }) {
                    return response
                }
            }
        }
        let seed = body["seed"]?.int ?? -1
        let image = bytes ?? TestImages.png(width: width, height: height, seed: UInt64(max(0, seed)))
        let info: JSONValue = [
            "prompt": .string(prompt), "all_prompts": [.string(prompt)], "seed": .int(Int64(seed)),
            "all_seeds": [.int(Int64(seed))],
            "width": .int(Int64(width)), "height": .int(Int64(height)),
            "job_timestamp": .string("20261126\(state.nextID("0"))"),
        ]
        return .json([
            "images": [.string(Data(image).base64EncodedString())], "parameters": body,
            "info": .string(String(decoding: info.encoded, as: UTF8.self)),
        ])
    }
}
