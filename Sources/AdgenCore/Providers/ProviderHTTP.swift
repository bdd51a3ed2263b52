import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP answer, read whole.
struct ProviderAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    /// The media type, lowercased, without parameters (`application/json`).
    var contentType: String {
        (headers.first(name: "content-type") ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
    }

    var isSuccess: Bool { (200..<300).contains(status) }
}

/// The HTTP side every adapter shares: one request with a deadline covering the whole answer, task cancellation,
/// transport errors mapped to `ProviderError`, the credential kept out of every message, and the usual mapping of
/// error answers (429, 5xx, 4xx, content policy, quota).
struct ProviderHTTP: Sendable {
    /// The provider id, for errors.
    var provider: String
    /// The shared client.
    var client: HTTPClient
    /// The longest one request (head and body) may take.
    var timeout: Duration
    /// The largest answer read, in bytes.
    var maxBytes: Int = 64 << 20
    /// The credential, if any: scrubbed from every message.
    var secret: String?

    /// Waits `interval` between two polls of `requestID`; a cancelled task ends the wait as `.cancelled`.
    func pause(_ interval: Duration, requestID: String?) async throws(ProviderError) {
        do {
            try await Task.sleep(for: interval)
        } catch {
            throw .cancelled(provider: provider, message: "cancelled", requestID: requestID)
        }
    }

    /// Sends one request and reads the answer whole. Throws only `ProviderError`: `.timeout` past `timeout`,
    /// `.connection` when the peer cannot be reached or drops the connection, `.cancelled` when the task is.
    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) async throws(ProviderError) -> ProviderAnswer {
        let timeout = timeout ?? self.timeout
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(body)
            if !request.headers.contains(name: "content-type") {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
        }
        let client = self.client
        let maxBytes = self.maxBytes
        let prepared = request
        do {
            return try await withThrowingTaskGroup(of: ProviderAnswer?.self) { group in
                group.addTask {
                    let response = try await client.execute(prepared, timeout: .nanoseconds(timeout.nanoseconds))
                    let bytes = try await response.body.collect(upTo: maxBytes)
                    return ProviderAnswer(
                        status: Int(response.status.code), headers: response.headers, body: Array(buffer: bytes))
                }
                group.addTask {
                    // The client's own deadline (head received, or the last connection error while connecting)
                    // comes first; this one bounds the body too.
                    try await Task.sleep(for: timeout + .milliseconds(100))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let answer = first else {
                    throw HTTPClientError.deadlineExceeded
                }
                return answer
            }
        } catch {
            throw transportError(error, url: url)
        }
    }

    /// Maps a transport error (never an HTTP answer) to a `ProviderError`.
    func transportError(_ error: any Error, url: String) -> ProviderError {
        if let error = error as? ProviderError { return error }
        let place = Self.redacted(url)
        if Task.isCancelled || error is CancellationError {
            return .cancelled(provider: provider, message: "cancelled while waiting for \(place)")
        }
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout].contains(error) {
                return .timeout(provider: provider, message: "no answer from \(place) within \(Self.seconds(timeout))")
            }
            if [.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(error) {
                return .connection(provider: provider, message: "could not connect to \(place) in time")
            }
            if error == .cancelled {
                return .cancelled(provider: provider, message: "cancelled while waiting for \(place)")
            }
            if [.invalidURL, .emptyHost, .emptyScheme].contains(error) || "\(error)".contains("unsupportedScheme") {
                return .invalidRequest(provider: provider, message: "\(place) is not a usable URL")
            }
            if error == .remoteConnectionClosed {
                return .connection(provider: provider, message: "\(place) closed the connection before answering")
            }
            return .connection(provider: provider, message: "request to \(place) failed: \(error)")
        }
        if error is NIOTooManyBytesError {
            return .badResponse(provider: provider, message: "the answer of \(place) is larger than \(maxBytes) bytes")
        }
        let text = scrub(String(describing: error))
        return .connection(provider: provider, message: "request to \(place) failed: \(text)")
    }

    /// The usual meaning of an unsuccessful answer. `message` is what the provider said (see `providerMessage`).
    func failure(_ answer: ProviderAnswer, requestID: String? = nil, now: Double = Date().timeIntervalSince1970)
        -> ProviderError
    {
        let said = scrub(Self.providerMessage(answer))
        let retryAfter = answer.headers.first(name: "retry-after").flatMap { parseRetryAfter($0, now: now) }
        let status = answer.status
        let code = Self.errorCode(answer)
        if Self.isQuota(code: code, message: said, status: status) {
            return .quotaExhausted(provider: provider, message: said, status: status)
        }
        if Self.isContentPolicy(code: code, message: said) {
            return .contentPolicy(provider: provider, message: said, status: status, requestID: requestID)
        }
        switch status {
        case 429:
            return .rateLimited(
                provider: provider, message: said, status: status, retryAfter: retryAfter, requestID: requestID)
        case 401, 403:
            return .unauthorized(provider: provider, message: said, status: status)
        case 408, 504:
            return .timeout(provider: provider, message: "HTTP \(status): \(said)", requestID: requestID)
        case 500...:
            return .unavailable(
                provider: provider, message: said, status: status, retryAfter: retryAfter, requestID: requestID)
        default:
            return .invalidRequest(provider: provider, message: said, status: status, requestID: requestID)
        }
    }

    /// Removes the credential from `text`.
    func scrub(_ text: String) -> String {
        guard let secret, secret.count >= 4 else { return text }
        return text.replacingOccurrences(of: secret, with: "[redacted]")
    }

    /// What an error answer says, on one line: `error.message` (OpenAI, ComfyUI), `detail` (Replicate, fal,
    /// FastAPI; a string or a list of `{msg}`), `title`, `message`, `error` as a string, else the body's start.
    static func providerMessage(_ answer: ProviderAnswer) -> String {
        let fallback = "HTTP \(answer.status) with \(answer.body.count) bytes of \(answer.contentType)"
        guard let json = JSONValue.parse(answer.body) else {
            let text = String(decoding: answer.body.prefix(200), as: UTF8.self)
            let printable = text.unicodeScalars.allSatisfy { $0.value >= 32 || $0 == "\n" || $0 == "\t" }
            return printable && !text.isEmpty ? oneLine(text) : fallback
        }
        var parts = [String]()
        if let error = json["error"] {
            if let text = error.string { parts.append(text) }
            if let text = error["message"]?.string { parts.append(text) }
            if let text = error["details"]?.string, !text.isEmpty { parts.append(text) }
        }
        if let detail = json["detail"] {
            if let text = detail.string { parts.append(text) }
            for item in detail.array ?? [] {
                let location = (item["loc"]?.array ?? []).compactMap { $0.string ?? $0.int.map(String.init) }
                if let text = item["msg"]?.string {
                    parts.append(location.isEmpty ? text : "\(location.joined(separator: ".")): \(text)")
                }
            }
        }
        if parts.isEmpty, let text = json["title"]?.string { parts.append(text) }
        if parts.isEmpty, let text = json["message"]?.string { parts.append(text) }
        if parts.isEmpty, let text = json["errors"]?.string { parts.append(text) }
        return parts.isEmpty ? fallback : oneLine(parts.joined(separator: ": "))
    }

    /// A machine code an error answer carries: OpenAI's `error.code`/`error.type`, fal's `error_type` or
    /// `detail[].type`, Replicate's `type`.
    static func errorCode(_ answer: ProviderAnswer) -> String {
        var codes = [String]()
        if let header = answer.headers.first(name: "x-fal-error-type") { codes.append(header) }
        if let json = JSONValue.parse(answer.body) {
            codes += [json["error"]?["code"]?.string, json["error"]?["type"]?.string, json["error_type"]?.string]
                .compactMap { $0 }
            codes += (json["detail"]?.array ?? []).compactMap { $0["type"]?.string }
            if let type = json["type"]?.string { codes.append(type) }
        }
        return codes.joined(separator: " ").lowercased()
    }

    static func isContentPolicy(code: String, message: String) -> Bool {
        let text = code + " " + message.lowercased()
        return ["content_policy", "moderation_blocked", "nsfw", "safety system", "content policy", "safety checker"]
            .contains { text.contains($0) }
    }

    static func isQuota(code: String, message: String, status: Int) -> Bool {
        if status == 402 { return true }
        let text = code + " " + message.lowercased()
        return ["insufficient_quota", "billing_hard_limit", "insufficient credit", "exhausted balance"].contains {
            text.contains($0)
        }
    }

    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// `url` without its query string or user info, so a signed URL never reaches a message.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "the provider" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "the provider"
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value < 1 ? "\(Int(value * 1000)) ms" : "\(value.formatted(.number.precision(.fractionLength(0...1)))) s"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
