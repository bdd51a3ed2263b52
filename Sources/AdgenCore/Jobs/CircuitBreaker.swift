/// Stops calling a provider that keeps failing: after `threshold` consecutive failures it opens and refuses
/// calls for `cooldown` seconds, then lets one probe through (half-open); the probe's success closes it, its
/// failure opens it again.
public struct CircuitBreaker: Sendable, Hashable {
    /// Where the breaker is.
    public enum State: Sendable, Hashable {
        case closed
        case open(until: Double)
        case halfOpen(probing: Bool)
    }

    /// Consecutive failures that open it.
    public let threshold: Int
    /// Seconds it stays open before a probe.
    public let cooldown: Double
    public private(set) var state: State = .closed
    private(set) var consecutiveFailures = 0

    /// Creates a closed breaker.
    public init(threshold: Int = 5, cooldown: Double = 30) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
    }

    /// Whether a call may go out now; nil if so (a half-open breaker lets exactly one through), else the moment
    /// to ask again.
    public mutating func admit(now: Double) -> Double? {
        switch state {
        case .closed:
            return nil
        case .open(let until):
            if now < until { return until }
            state = .halfOpen(probing: true)
            return nil
        case .halfOpen(let probing):
            if probing { return now + min(cooldown, 1) }
            state = .halfOpen(probing: true)
            return nil
        }
    }

    /// A call succeeded (or failed in a way that says nothing about the provider's health).
    public mutating func recordSuccess() {
        consecutiveFailures = 0
        state = .closed
    }

    /// A call failed because the provider is unhealthy.
    public mutating func recordFailure(now: Double) {
        consecutiveFailures += 1
        switch state {
        case .halfOpen:
            state = .open(until: now + cooldown)
        case .closed where consecutiveFailures >= threshold:
            state = .open(until: now + cooldown)
        default:
            break
        }
    }

    /// Whether it refuses calls.
    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }
}
