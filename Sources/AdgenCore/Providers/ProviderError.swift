import Foundation

/// Why a provider call failed, and whether trying again can help. Adapters map every HTTP answer and transport
/// error to one of these; the dispatcher retries the retryable ones with backoff and fails the job at once
/// with the provider's reason otherwise. Messages never carry a credential.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case rateLimited, unavailable, timeout, connection
        case invalidRequest, contentPolicy, quotaExhausted, unauthorized, badResponse, cancelled
    }

    let code: Code
    /// The provider id (`openai`, `replicate`, …).
    public var provider: String
    /// What the provider said, or what went wrong on the way; one line.
    public var message: String
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// The provider's `Retry-After`, in seconds: the earliest moment a retry may go out.
    public var retryAfter: Double?
    /// The provider's id for the request, when it gave one.
    public var requestID: String?

    init(
        _ code: Code, provider: String, message: String, status: Int? = nil, retryAfter: Double? = nil,
        requestID: String? = nil
    ) {
        self.code = code
        self.provider = provider
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
        self.requestID = requestID
    }

    /// 429 or a provider's own "slow down": retried, no sooner than `retryAfter`.
    public static func rateLimited(
        provider: String, message: String, status: Int? = 429, retryAfter: Double? = nil, requestID: String? = nil
    ) -> Self {
        Self(
            .rateLimited, provider: provider, message: message, status: status, retryAfter: retryAfter,
            requestID: requestID)
    }

    /// A 5xx or an overloaded provider: retried.
    public static func unavailable(
        provider: String, message: String, status: Int? = nil, retryAfter: Double? = nil, requestID: String? = nil
    ) -> Self {
        Self(
            .unavailable, provider: provider, message: message, status: status, retryAfter: retryAfter,
            requestID: requestID)
    }

    /// No answer in time: retried.
    public static func timeout(provider: String, message: String, requestID: String? = nil) -> Self {
        Self(.timeout, provider: provider, message: message, requestID: requestID)
    }

    /// The connection failed or broke: retried.
    public static func connection(provider: String, message: String) -> Self {
        Self(.connection, provider: provider, message: message)
    }

    /// The provider refused the request as invalid (4xx): not retried.
    public static func invalidRequest(provider: String, message: String, status: Int? = nil, requestID: String? = nil)
        -> Self
    {
        Self(.invalidRequest, provider: provider, message: message, status: status, requestID: requestID)
    }

    /// The prompt or the image was refused by the provider's content policy: not retried.
    public static func contentPolicy(provider: String, message: String, status: Int? = nil, requestID: String? = nil)
        -> Self
    {
        Self(.contentPolicy, provider: provider, message: message, status: status, requestID: requestID)
    }

    /// The account is out of credit or quota: not retried.
    public static func quotaExhausted(provider: String, message: String, status: Int? = nil) -> Self {
        Self(.quotaExhausted, provider: provider, message: message, status: status)
    }

    /// The credential is missing, wrong or lacks permission: not retried.
    public static func unauthorized(provider: String, message: String, status: Int? = nil) -> Self {
        Self(.unauthorized, provider: provider, message: message, status: status)
    }

    /// The answer was not what the API documents (malformed JSON, not an image, an unusable size): retried, as
    /// such answers are usually transient; the retry budget bounds it.
    public static func badResponse(provider: String, message: String, status: Int? = nil, requestID: String? = nil)
        -> Self
    {
        Self(.badResponse, provider: provider, message: message, status: status, requestID: requestID)
    }

    /// The request was cancelled (by the user or the provider).
    public static func cancelled(provider: String, message: String, requestID: String? = nil) -> Self {
        Self(.cancelled, provider: provider, message: message, requestID: requestID)
    }

    /// Whether trying again later can succeed.
    public var isRetryable: Bool {
        switch code {
        case .rateLimited, .unavailable, .timeout, .connection, .badResponse: true
        case .invalidRequest, .contentPolicy, .quotaExhausted, .unauthorized, .cancelled: false
        }
    }

    /// Whether the answer says the provider is unhealthy (counts towards its circuit breaker): server errors,
    /// timeouts and broken connections; not rate limits or refusals of one request.
    public var isProviderFailure: Bool {
        switch code {
        case .unavailable, .timeout, .connection, .badResponse: true
        default: false
        }
    }

    /// Whether the call was given up on (cancelled or timed out) while the provider may still be working on it:
    /// the adapter then cancels it remotely where the API can.
    public var endsRemoteWork: Bool { code == .cancelled || code == .timeout }

    /// A short machine-readable kind: `rate_limited`, `unavailable`, `timeout`, `connection`, `invalid_request`,
    /// `content_policy`, `quota_exhausted`, `unauthorized`, `bad_response`, `cancelled`.
    public var kind: String {
        switch code {
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        case .connection: "connection"
        case .invalidRequest: "invalid_request"
        case .contentPolicy: "content_policy"
        case .quotaExhausted: "quota_exhausted"
        case .unauthorized: "unauthorized"
        case .badResponse: "bad_response"
        case .cancelled: "cancelled"
        }
    }

    public var description: String {
        var text = "\(provider): \(kind.replacingOccurrences(of: "_", with: " "))"
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if let requestID { text += " [request \(requestID)]" }
        return text
    }
}

/// Parses an HTTP `Retry-After` value: delay-seconds or an HTTP date, relative to `now`. Nil when it is neither.
public func parseRetryAfter(_ value: String, now: Double) -> Double? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 { return seconds }
    guard let date = HTTPDate.parse(trimmed) else { return nil }
    return max(0, date - now)
}

/// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
enum HTTPDate {
    /// Seconds since 1970 of `text`, or nil.
    static func parse(_ text: String) -> Double? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        }
        return nil
    }
}
