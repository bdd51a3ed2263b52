/// What one delivery attempt came to.
public struct WebhookResponse: Sendable, Equatable {
    /// How an attempt ended.
    public enum Outcome: Sendable, Equatable {
        /// A 2xx answer.
        case delivered
        /// Anything else worth retrying: another status, a redirect, a timeout, a broken connection.
        case failed
        /// 410 Gone: the receiver asks for no more messages; the endpoint should be disabled.
        case gone
        /// The URL policy refused the URL; nothing was sent, and retrying cannot help.
        case refused
    }

    /// How the attempt ended.
    public var outcome: Outcome
    /// The HTTP status, when an answer came.
    public var status: Int?
    /// Why it did not succeed, on one line: `HTTP 500`, `timed out after 15 s`, `connection refused`, the policy's
    /// reason…; nil when delivered.
    public var error: String?
    /// The receiver's `Retry-After` (seconds or an HTTP date) on a failed answer: the earliest next attempt.
    public var retryAfter: Duration?
    /// How long the attempt took.
    public var duration: Duration
    /// At most the first 1 KB of the answer's body, as lossy UTF-8, for the delivery log.
    public var responseExcerpt: String

    /// Creates a response.
    public init(
        outcome: Outcome, status: Int? = nil, error: String? = nil, retryAfter: Duration? = nil,
        duration: Duration = .zero, responseExcerpt: String = ""
    ) {
        self.outcome = outcome
        self.status = status
        self.error = error
        self.retryAfter = retryAfter
        self.duration = duration
        self.responseExcerpt = responseExcerpt
    }
}
