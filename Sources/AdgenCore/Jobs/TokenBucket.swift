/// A token bucket: `capacity` tokens, refilled at `ratePerSecond`; a request takes one (or more). Used for a
/// provider's requests-per-minute and images-per-minute limits. Time is seconds on any monotonic timeline.
public struct TokenBucket: Sendable, Hashable {
    /// The most tokens it holds: the largest burst.
    public let capacity: Double
    /// Tokens added per second.
    public let ratePerSecond: Double
    private(set) var tokens: Double
    private(set) var updatedAt: Double

    /// A full bucket for `perMinute` requests a minute, with bursts of at most `burst` (default: one second's
    /// worth, at least 1).
    public init(perMinute: Double, burst: Double? = nil, now: Double) {
        ratePerSecond = perMinute / 60
        capacity = max(1, burst ?? (perMinute / 60).rounded(.up))
        tokens = capacity
        updatedAt = now
    }

    private mutating func refill(now: Double) {
        guard now > updatedAt else { return }
        tokens = min(capacity, tokens + (now - updatedAt) * ratePerSecond)
        updatedAt = now
    }

    /// Takes `count` tokens when they are there and returns nil; otherwise takes nothing and returns the moment
    /// they will be.
    public mutating func take(_ count: Double = 1, now: Double) -> Double? {
        refill(now: now)
        if tokens + 1e-9 >= count {
            tokens -= count
            return nil
        }
        return now + (count - tokens) / ratePerSecond
    }

    /// Whole tokens available now.
    public mutating func available(now: Double) -> Int {
        refill(now: now)
        return Int((tokens + 1e-9).rounded(.down))
    }
}
