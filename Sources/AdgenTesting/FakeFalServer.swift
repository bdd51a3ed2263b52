import AdgenCore
import Foundation
import Synchronization

/// A fake of fal's queue API, following `fal-queue.json`: `Authorization: Key …`; `POST /{model}` answers
/// `{request_id, response_url, status_url, cancel_url, queue_position}`; `GET …/requests/{id}/status` is
/// `IN_QUEUE`, then `IN_PROGRESS`, then `COMPLETED` after `pollsBeforeDone` polls; `GET …/requests/{id}` is the
/// model's output `{images: [{url, width, height, content_type}], seed, has_nsfw_concepts}`;
/// `PUT …/requests/{id}/cancel` answers 202 `{status: CANCELLATION_REQUESTED}`. Errors: `{detail: [{loc, msg,
/// type}]}` (model errors) or `{detail, error_type}` (request errors). Images in the input (`image_url`,
/// `image_urls` or any other field) must be `data:` URLs of real images; a malformed one is a 422 model error at that
/// field. An input with an `image_url` and no prompt is a background removal: its result is the cut-out `image`.
public final class FakeFalServer: Sendable {
    /// Faults and what was received.
    public let state = FakeServerState()
    /// The images submitted inputs carried, with their input field.
    public let references = FakeReceivedImages()
    /// The key it accepts.
    public let key: String
    /// Status polls before the request is `COMPLETED`.
    public let pollsBeforeDone: Int

    let queue = Mutex([String: Request]())

    struct Request {
        var appID: String
        var input: JSONValue
        var pollsLeft: Int
        var fault: ProviderFault?
        var cancelled = false
    }

    /// Creates the fake.
    public init(key: String = "fal-test-key:0123456789", pollsBeforeDone: Int = 1) {
        self.key = key
        self.pollsBeforeDone = pollsBeforeDone
    }

    /// The handler to serve.
    public var handler: TestHTTPServer.Handler { { [self] request in await handle(request) } }

    static func modelError(_ status: Int, _ message: String, type: String) -> TestHTTPResponse {
        .json(
            [
                "detail": [
                    [
                        "loc": ["body", "prompt"], "msg": .string(message), "type": .string(type),
                        "url": "https://docs.fal.ai/errors",
                    ]
                ]
            ],
            status: status)
    }

    func handle(_ request: TestHTTPRequest) async -> TestHTTPResponse {
        state.record(request)
        if let file = state.file(request) { return file }
        let host = request.header("host") ?? "127.0.0.1"
        guard request.header("authorization") == "Key \(key)" else {
            state.violation("missing or wrong Authorization: Key on \(request.path)")
            return .json(["detail": "No user found for Key ID and Secret"], status: 401)
        }
        let parts = request.path.split(separator: "/").map(String.init)
        if let at = parts.firstIndex(of: "requests"), at + 1 < parts.count {
            let appID = parts[..<at].joined(separator: "/")
            let id = parts[at + 1]
            let rest = parts[(at + 2)...]
            guard var queued = queue.withLock({ $0[id] }) else {
                return .json(["detail": "Request not found"], status: 404)
            }
            if queued.appID != appID { state.violation("\(request.path) names app \(appID), not \(queued.appID)") }
            switch (request.method, rest.first) {
            case ("GET", "status"):
                queued.pollsLeft -= 1
                queue.withLock { $0[id] = queued }
                let status = queued.pollsLeft < 0 ? "COMPLETED" : queued.pollsLeft == 0 ? "IN_PROGRESS" : "IN_QUEUE"
                return .json(
                    urls(id, appID: appID, host: host).merging([
                        "status": .string(status), "queue_position": 0, "logs": .null,
                    ]))
            case ("GET", nil):
                guard queued.pollsLeft < 0 else {
                    return .json(["detail": "Request is still in progress"], status: 400)
                }
                return result(queued, id: id, host: host)
            case ("PUT", "cancel"):
                state.cancel(id)
                queued.cancelled = true
                queue.withLock { $0[id] = queued }
                return .json(["status": "CANCELLATION_REQUESTED"], status: 202)
            default:
                state.violation("\(request.method) \(request.path) is no queue endpoint")
                return .json(["detail": "Not found"], status: 404)
            }
        }
        guard request.method == "POST", parts.count >= 2 else {
            state.violation("\(request.method) \(request.path) is not a submit")
            return .json(["detail": "Not found"], status: 404)
        }
        guard let input = request.json, input["prompt"]?.string != nil || input["image_url"]?.string != nil else {
            state.violation("the input has no prompt")
            return Self.modelError(422, "field required", type: "missing")
        }
        var received = [FakeReceivedImage]()
        for key in (input.object ?? [:]).keys.sorted() {
            let values = input[key]?.array ?? [input[key] ?? .null]
            for value in values {
                guard let text = value.string, text.hasPrefix("data:") else { continue }
                do {
                    received.append(try FakeReceivedImage(dataURL: text, field: key))
                } catch {
                    state.violation(error.description)
                    return .json(
                        [
                            "detail": [
                                [
                                    "loc": ["body", .string(key)], "msg": .string("Failed to load the image: \(error)"),
                                    "type": "image_load_error", "url": "https://docs.fal.ai/errors#image_load_error",
                                ]
                            ]
                        ], status: 422)
                }
            }
        }
        references.append(received)
        var fault = state.nextFault()
        switch fault {
        case .quotaExhausted?:
            return .json(
                [
                    "detail":
                        "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."
                ], status: 403)
        case .invalidRequest?:
            return Self.modelError(422, "Image size must be between 512 and 4096 pixels", type: "image_too_large")
        case .rateLimited(let retryAfter)?:
            return .json(
                ["detail": "Too many requests", "error_type": "rate_limited"], status: 429,
                headers: [("Retry-After", retryAfter)])
        case .serverError(let status)?:
            return .json(
                ["detail": "Internal error", "error_type": "internal_error"], status: status,
                headers: [("X-Fal-Error-Type", "internal_error")])
        case .contentPolicy?, .nonImage?, .wrongSize?, nil:
            break
        case let other?:
            if let response = await other.genericResponse(errorBody: {
                ["detail": .string($1), "error_type": .string($0)]
            }) {
                return response
            }
            fault = nil
        }
        let id = UUID().uuidString.lowercased()
        let appID = parts.prefix(2).joined(separator: "/")
        queue.withLock { $0[id] = Request(appID: appID, input: input, pollsLeft: pollsBeforeDone, fault: fault) }
        return .json(urls(id, appID: appID, host: host).merging(["status": "IN_QUEUE", "queue_position": 0]))
    }

    func urls(_ id: String, appID: String, host: String) -> JSONValue {
        let base = "http://\(host)/\(appID)/requests/\(id)"
        return [
            "request_id": .string(id), "response_url": .string(base), "status_url": .string(base + "/status"),
            "cancel_url": .string(base + "/cancel"),
        ]
    }

    func result(_ queued: Request, id: String, host: String) -> TestHTTPResponse {
        if queued.fault == .contentPolicy {
            return Self.modelError(
                422, "The content could not be processed because it was flagged by a content checker.",
                type: "content_policy_violation")
        }
        if queued.input["image_url"] != nil && queued.input["prompt"] == nil {
            let bytes = FakeCutOut.cutOut(queued.input["image_url"]?.string ?? "") ?? TestImages.notAnImage
            return .json([
                "image": ["url": .string("http://\(host)\(state.store(bytes))"), "content_type": "image/png"]
            ])
        }
        var width = queued.input["image_size"]?["width"]?.int ?? 1024
        var height = queued.input["image_size"]?["height"]?.int ?? 768
        // FLUX on fal rounds sizes to multiples of 16.
        (width, height) = (width / 16 * 16, height / 16 * 16)
        var bytes = TestImages.png(width: width, height: height, seed: UInt64(queued.input["seed"]?.int ?? 0))
        if queued.fault == .nonImage { bytes = TestImages.notAnImage }
        if case .wrongSize(let w, let h)? = queued.fault { bytes = TestImages.png(width: w, height: h) }
        let url = JSONValue.string("http://\(host)\(state.store(bytes))")
        return .json([
            "images": [
                ["url": url, "width": .int(Int64(width)), "height": .int(Int64(height)), "content_type": "image/png"]
            ],
            "seed": queued.input["seed"] ?? 42, "has_nsfw_concepts": [false], "prompt": queued.input["prompt"] ?? "",
            "timings": ["inference": 0.5],
        ])
    }
}

extension JSONValue {
    func merging(_ other: JSONValue) -> JSONValue {
        .object((object ?? [:]).merging(other.object ?? [:], uniquingKeysWith: { $1 }))
    }
}
