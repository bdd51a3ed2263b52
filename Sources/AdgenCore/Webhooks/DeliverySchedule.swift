import Foundation

/// When to attempt a webhook message again after a failed attempt: the Standard Webhooks (Svix) schedule with
/// jitter, never past a maximum age, and never sooner than the receiver's `Retry-After`.
public struct DeliverySchedule: Sendable, Equatable {
    /// The Standard Webhooks / Svix schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    public static let standardDelays: [Duration] = [
        .zero, .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600),
        .seconds(10 * 3600), .seconds(10 * 3600),
    ]

    /// The wait before each attempt, the first included (`delays[0]`, normally zero): `delays.count` attempts in
    /// all.
    public var delays: [Duration]
    /// No attempt starts later than this after the first one; a retry that would fall later is moved to exactly
    /// `firstAttempt + maxAge` (one last chance), and after that the message is given up.
    public var maxAge: Duration
    /// Each delay is scaled by a factor drawn uniformly in `1 ± jitter`, so receivers recovering from an outage
    /// are not hit by every sender at once.
    public var jitter: Double

    /// A schedule; the defaults are the standard delays, 24 hours and ±20 %.
    public init(
        delays: [Duration] = DeliverySchedule.standardDelays, maxAge: Duration = .seconds(86_400), jitter: Double = 0.2
    ) {
        self.delays = delays
        self.maxAge = maxAge
        self.jitter = jitter
    }

    /// When to try again after `attempts` failed attempts (1 = the first one failed), or nil when the message is
    /// given up. Retry-After is a lower bound. `random` in 0..<1 (injected so tests don't depend on randomness).
    ///
    /// The wait is `delays[attempts]` scaled by `1 + jitter · (2 · random - 1)`, at least `retryAfter`, counted
    /// from `now`. Nil when every delay is used, when `now` is already past `firstAttempt + maxAge`, or when
    /// `retryAfter` alone reaches past it.
    public func nextAttempt(
        afterAttempts attempts: Int, firstAttempt: Date, now: Date, retryAfter: Duration?, random: Double
    ) -> Date? {
        let attempts = max(attempts, 1)
        guard attempts < delays.count else { return nil }
        let deadline = firstAttempt.addingTimeInterval(Self.seconds(maxAge))
        guard now < deadline else { return nil }
        let spread = min(max(jitter, 0), 1)
        let factor = 1 + spread * (2 * min(max(random, 0), 1) - 1)
        let floor = retryAfter.map { Self.seconds($0) } ?? 0
        if now.addingTimeInterval(floor) > deadline { return nil }
        let wait = max(Self.seconds(delays[attempts]) * factor, floor)
        return min(now.addingTimeInterval(wait), deadline)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
