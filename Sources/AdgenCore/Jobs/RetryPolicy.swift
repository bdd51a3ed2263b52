/// When to try a failed generation again: exponential backoff with full jitter, capped, for a bounded number
/// of attempts; a provider's `Retry-After` is a lower bound on the wait.
public struct RetryPolicy: Sendable, Hashable {
    /// The first backoff's upper bound, in seconds.
    public var base: Double = 1
    /// The largest backoff, in seconds.
    public var cap: Double = 60
    /// Attempts in all, the first included.
    public var maxAttempts: Int = 6

    /// Creates a policy.
    public init(base: Double = 1, cap: Double = 60, maxAttempts: Int = 6) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
    }

    /// The wait after attempt number `attempt` (1 for the first) failed: a uniform draw in
    /// `[0, min(cap, base · 2^(attempt-1))]` ("full jitter"), at least `retryAfter`. `random` is in `[0, 1)`.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, random: Double) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 62))
        let ceiling = min(cap, base * pow2(exponent))
        let jittered = ceiling * min(max(random, 0), 1)
        return max(jittered, retryAfter ?? 0)
    }

    /// Whether another attempt may follow attempt number `attempt`.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt < maxAttempts }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) {
            value *= 2
            if value > 1e12 { break }
        }
        return value
    }
}
