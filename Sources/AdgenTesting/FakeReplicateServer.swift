import AdgenCore
import Foundation
import Synchronization

/// A fake of Replicate's predictions API, following `replicate-prediction.openapi.json`: bearer auth;
/// `POST /v1/models/{owner}/{name}/predictions` (`{input}`) or `POST /v1/predictions` (`{version, input}`);
/// `Prefer: wait` answers the finished prediction when it is done within the create call; otherwise the
/// prediction is `starting`, then `processing`, then `succeeded` after `pollsBeforeDone` polls of
/// `GET /v1/predictions/{id}`; `POST /v1/predictions/{id}/cancel` cancels. Errors are problem+json
/// (`{title, detail, status}`); a failed prediction carries `error`. A `data:` URL in the input (a string, or in a
/// list) must hold a real image, else the create is a 422 naming the input.
public final class FakeReplicateServer: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
    /// The images created predictions' inputs carried, with their input key.
    public let references = FakeReceivedImages()
    /// The token it accepts.
    public let token: String
    /// Polls of `urls.get` before the prediction succeeds; 0: it is done within the create call.
    public let pollsBeforeDone: Int
    /// Output `[url]` (FLUX) or a plain url string.
    public let outputAsList: Bool

    let predictions = Mutex([String: Prediction]())

    struct Prediction {
        var input: JSONValue
        var model: String
        var status: String
        var pollsLeft: Int
        var output: JSONValue = .null
        var error: JSONValue = .null
        var fault: ProviderFault?
    }

    /// Creates the fake.
    public init(token: String = "r8_test_0123456789abcdef", pollsBeforeDone: Int = 0, outputAsList: Bool = true) {
        self.token = token
        self.pollsBeforeDone = pollsBeforeDone
        self.outputAsList = outputAsList
    }

    /// The handler to serve.
    public var handler: TestHTTPServer.Handler { { [self] request in await handle(request) } }

    static func problem(_ status: Int, _ title: String, _ detail: String, headers: [(String, String)] = [])
        -> TestHTTPResponse
    {
        var response = TestHTTPResponse.json(
            ["title": .string(title), "detail": .string(detail), "status": .int(Int64(status))], status: status,
            headers: headers)
        response.headers[0] = ("Content-Type", "application/problem+json")
        return response
    }

    func json(_ id: String, _ prediction: Prediction, host: String) -> JSONValue {
        let base = "http://\(host)/v1/predictions/\(id)"
        return [
            "id": .string(id), "model": .string(prediction.model), "version": "dp-fake", "input": prediction.input,
            "logs": "", "output": prediction.output, "error": prediction.error, "status": .string(prediction.status),
            "created_at": "2026-11-26T04:00:00.000Z", "data_removed": false,
            "urls": [
                "get": .string(base), "cancel": .string(base + "/cancel"),
                "web": .string("https://replicate.com/p/\(id)"),
            ],
        ]
    }

    func handle(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        state.record(request)
        if let file = state.file(request) { return file }
        let host = request.header("host") ?? "127.0.0.1"
        guard request.header("authorization") == "Bearer \(token)" else {
            state.violation("missing or wrong Authorization: Bearer on \(request.path)")
            return Self.problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        }
        let parts = request.path.split(separator: "/").map(String.init)
        // POST /v1/predictions/{id}/cancel
        if request.method == "POST", parts.count == 4, parts[1] == "predictions", parts[3] == "cancel" {
            let id = parts[2]
            state.cancel(id)
            let updated: Prediction? = predictions.withLock {
                guard var prediction = $0[id] else { return nil }
                if !["succeeded", "failed"].contains(prediction.status) { prediction.status = "canceled" }
                $0[id] = prediction
                return prediction
            }
            guard let updated else { return Self.problem(404, "Not found", "Prediction not found") }
            return .json(json(id, updated, host: host))
        }
        // GET /v1/predictions/{id}
        if request.method == "GET", parts.count == 3, parts[1] == "predictions" {
            let id = parts[2]
            let updated: Prediction? = predictions.withLock {
                guard var prediction = $0[id] else { return nil }
                if prediction.status == "starting" || prediction.status == "processing" {
                    prediction.pollsLeft -= 1
                    prediction.status = "processing"
                    if prediction.pollsLeft <= 0 { finish(&prediction, host: host) }
                }
                $0[id] = prediction
                return prediction
            }
            guard let updated else { return Self.problem(404, "Not found", "Prediction not found") }
            return .json(json(id, updated, host: host))
        }
        // Create.
        let model: String
        if request.method == "POST", parts.count == 5, parts[0] == "v1", parts[1] == "models", parts[4] == "predictions"
        {
            model = "\(parts[2])/\(parts[3])"
            if request.json?["version"] != nil { state.violation("version sent to the models endpoint") }
        } else if request.method == "POST", request.path == "/v1/predictions" {
            guard let version = request.json?["version"]?.string else {
                state.violation("POST /v1/predictions without version")
                return Self.problem(422, "Input validation failed", "version is required")
            }
            model = version
        } else {
            state.violation("\(request.method) \(request.path) is no Replicate endpoint")
            return Self.problem(404, "Not found", "The requested resource could not be found")
        }
        guard let input = request.json?["input"], input["prompt"]?.string != nil || input["image"]?.string != nil else {
            state.violation("input.prompt missing")
            return Self.problem(422, "Input validation failed", "- input: prompt is required")
        }
        var received = [FakeReceivedImage]()
        for key in (input.object ?? [:]).keys.sorted() {
            for value in input[key]?.array ?? [input[key] ?? .null] {
                guard let text = value.string, text.hasPrefix("data:") else { continue }
                do {
                    received.append(try FakeReceivedImage(dataURL: text, field: key))
                } catch {
                    state.violation(error.description)
                    return Self.problem(422, "Input validation failed", "- input.\(key): \(error)")
                }
            }
        }
        references.append(received)
        let wait = request.header("prefer")?.hasPrefix("wait") == true
        var prediction = Prediction(input: input, model: model, status: "starting", pollsLeft: pollsBeforeDone)
        let id = state.nextID("pred")
        if let fault = state.nextFault() {
            switch fault {
            case .contentPolicy:
                prediction.status = "failed"
                prediction.error = "NSFW content detected. Try running it again, or try a different prompt."
                predictions.withLock { $0[id] = prediction }
                return .json(json(id, prediction, host: host), status: 201)
            case .quotaExhausted:
                return Self.problem(
                    402, "Insufficient credit",
                    "You have insufficient credit to run this model. Go to https://replicate.com/account/billing to purchase credit."
                )
            case .invalidRequest:
                return Self.problem(
                    422, "Input validation failed",
                    "- input.aspect_ratio: aspect_ratio must be one of the following: \"1:1\", \"16:9\"")
            case .rateLimited(let retryAfter):
                return Self.problem(
                    429, "Request was throttled", "Request was throttled. Your rate limit resets in ~1s.",
                    headers: [("Retry-After", retryAfter)])
            case .serverError(let status):
                return Self.problem(status, "Internal server error", "An unexpected error occurred")
            case .nonImage, .wrongSize:
                prediction.fault = fault
            default:
                if let response = await fault.genericResponse(errorBody: {
                    ["title": .string($0), "detail": .string($1)]
                }) {
                    return response
                }
            }
        }
        if wait && prediction.pollsLeft <= 0 { finish(&prediction, host: host) }
        predictions.withLock { $0[id] = prediction }
        return .json(json(id, prediction, host: host), status: 201)
    }

    /// Makes the prediction succeed: its output file is a PNG at the FLUX size of its aspect ratio (a fault
    /// recorded in `error` gives non-image bytes or another size).
    func finish(_ prediction: inout Prediction, host: String) {
        var (width, height) = Self.fluxSize(prediction.input["aspect_ratio"]?.string ?? "1:1")
        if let w = prediction.input["width"]?.int, let h = prediction.input["height"]?.int { (width, height) = (w, h) }
        var bytes = TestImages.png(width: width, height: height, seed: UInt64(prediction.input["seed"]?.int ?? 0))
        switch prediction.fault {
        case .nonImage?: bytes = TestImages.notAnImage
        case .wrongSize(let w, let h)?: bytes = TestImages.png(width: w, height: h)
        default: break
        }
        if prediction.input["image"] != nil, let original = prediction.input["image"]?.string {
            bytes = FakeCutOut.cutOut(original) ?? TestImages.notAnImage
        }
        let url = JSONValue.string("http://\(host)\(state.store(bytes))")
        prediction.output = outputAsList ? [url] : url
        prediction.status = "succeeded"
    }

    /// FLUX's pixel size for an aspect ratio: about a megapixel, sides multiples of 64.
    public static func fluxSize(_ ratio: String) -> (Int, Int) {
        let parts = ratio.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2 else { return (1024, 1024) }
        let r = parts[0] / parts[1]
        let width = Int(((1_048_576 * r).squareRoot() / 64).rounded()) * 64
        let height = Int(((1_048_576 / r).squareRoot() / 64).rounded()) * 64
        return (width, height)
    }
}
