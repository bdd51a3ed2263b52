import AdgenCore
import AdgenImaging
import Foundation
import Synchronization

/// A fault a fake provider server injects into its next generation, in that API's own error shape.
public enum ProviderFault: Sendable, Hashable {
    /// 429 with `Retry-After` (seconds or an HTTP date).
    case rateLimited(retryAfter: String)
    /// 500 (or 503), in the API's error shape.
    case serverError(status: Int)
    /// The answer comes after this long (beyond a client's timeout).
    case slow(Duration)
    /// The head comes at once, the body after this long.
    case stalledBody(Duration)
    /// 200 with a body that is not JSON.
    case malformedJSON
    /// 200 with `text/html`.
    case wrongContentType
    /// The image is not an image.
    case nonImage
    /// The image is `width`×`height`, not what was asked.
    case wrongSize(width: Int, height: Int)
    /// The API's content-policy refusal.
    case contentPolicy
    /// The API's out-of-credit answer.
    case quotaExhausted
    /// 401.
    case unauthorized
    /// The API's validation error (400/422).
    case invalidRequest
    /// The connection is closed without an answer.
    case dropConnection
}

/// The faults queued for a fake's next generations and what it received; thread-safe.
public final class FakeServerState: Sendable {
    struct Contents {
        var faults: [ProviderFault] = []
        var requests: [TestHTTPRequest] = []
        var violations: [String] = []
        var counter = 0
        var cancelled: [String] = []
        var files: [String: [UInt8]] = [:]
    }

    let contents = Mutex(Contents())

    /// Creates an empty state.
    public init() {}

    /// Queues faults: the next generations get them in order, then the fake answers normally.
    public func inject(_ faults: ProviderFault...) { contents.withLock { $0.faults += faults } }

    /// The next queued fault, removed.
    public func nextFault() -> ProviderFault? {
        contents.withLock { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
    }

    /// Every request received, in order.
    public var requests: [TestHTTPRequest] { contents.withLock { $0.requests } }

    /// Where an incoming request broke the API's documented shape (wrong path, auth, a missing field); empty
    /// when the adapter spoke the API correctly.
    public var violations: [String] { contents.withLock { $0.violations } }

    /// The ids of requests cancelled through the API.
    public var cancelled: [String] { contents.withLock { $0.cancelled } }

    /// Stores a file the fake serves at `/files/NAME`; returns its path.
    func store(_ bytes: [UInt8]) -> String {
        contents.withLock {
            $0.counter += 1
            let name = "/files/out-\($0.counter).png"
            $0.files[name] = bytes
            return name
        }
    }

    /// Answers a `GET /files/NAME` the fake stored, else nil.
    func file(_ request: TestHTTPRequest) -> TestHTTPResponse? {
        guard request.method == "GET", request.path.hasPrefix("/files/") else { return nil }
        guard let bytes = contents.withLock({ $0.files[request.path] }) else {
            return .text("not found", status: 404)
        }
        return .bytes(bytes, contentType: "image/png")
    }

    func record(_ request: TestHTTPRequest) { contents.withLock { $0.requests.append(request) } }
    func violation(_ text: String) { contents.withLock { $0.violations.append(text) } }
    func cancel(_ id: String) { contents.withLock { $0.cancelled.append(id) } }
    func nextID(_ prefix: String) -> String {
        contents.withLock {
            $0.counter += 1
            return "\(prefix)\($0.counter)"
        }
    }
}

/// Test images: real PNGs of a given size.
public enum TestImages {
    /// A PNG of `width`×`height` in a colour derived from `seed`.
    public static func png(width: Int, height: Int, seed: UInt64 = 0) -> [UInt8] {
        let color = RGBA(
            red: UInt8(truncatingIfNeeded: 40 + seed &* 37), green: UInt8(truncatingIfNeeded: 90 + seed &* 11),
            blue: 160)
        return (try? Image.solid(width: width, height: height, color: color).encoded(EncodeOptions(format: .png)))
            ?? []
    }

    /// Bytes that are not an image.
    public static let notAnImage = Array("<html><body>Bad gateway</body></html>".utf8)
}

extension ProviderFault {
    /// The answer for a fault whose shape does not depend on the API, with `errorBody(code, message)` as the
    /// error body; nil for the API-specific faults (and after a `slow` fault's wait, to answer normally).
    public func genericResponse(errorBody: (String, String) -> JSONValue) async -> TestHTTPResponse? {
        switch self {
        case .rateLimited(let retryAfter):
            return .json(
                errorBody("rate_limit_exceeded", "Rate limit reached"), status: 429,
                headers: [("Retry-After", retryAfter)])
        case .serverError(let status):
            return .json(
                errorBody("server_error", "The server had an error while processing your request"), status: status)
        case .slow(let delay):
            try? await Task.sleep(for: delay)
            return nil
        case .malformedJSON:
            return .text("{\"data\": [{\"b64_json\": \"iVBOR", contentType: "application/json")
        case .wrongContentType:
            return .text("<html><body>upstream maintenance</body></html>", contentType: "text/html")
        case .unauthorized:
            return .json(errorBody("invalid_api_key", "Incorrect API key provided"), status: 401)
        case .dropConnection:
            return .dropped
        case .stalledBody(let delay):
            var response = TestHTTPResponse.json(["status": "ok"])
            response.bodyDelay = delay
            return response
        default:
            return nil
        }
    }
}
