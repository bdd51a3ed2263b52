extension Dispatcher {
    /// The scheduling core of one provider, a pure state machine: how many generations may start now
    /// (concurrency, rate limits, circuit breaker, budget), and what to do with each outcome (done, retry when,
    /// fail why). No clock, no I/O: time and randomness come in as arguments, so it is tested without waiting.
    struct StateMachine: Sendable {
        /// What bounds the dispatch.
        struct Configuration: Sendable, Hashable {
            var concurrency = 4
            var requestsPerMinute: Double?
            var imagesPerMinute: Double?
            var retry = RetryPolicy()
            var breakerThreshold = 5
            var breakerCooldown = 30.0
            /// The budget cap, in US dollars.
            var maxCostUSD: Double?
            /// The price of one generation, reserved while it runs.
            var pricePerImage = 0.0
        }

        /// Why nothing more may start now.
        enum Blocked: Equatable {
            /// Every slot is taken: start more when one finishes.
            case full
            /// A rate limit or the open breaker: ask again at this moment.
            case until(Double)
            /// Another generation would go over `max_cost_usd`.
            case budget
        }

        /// How a generation ended.
        enum Outcome: Equatable {
            /// Made and paid (`cost` in US dollars).
            case generated(cost: Double)
            /// Taken from the cache: nothing was asked of the provider.
            case cached
            case failed(ProviderError)
            /// Cancelled before it ended (user cancel, shutdown).
            case cancelled
        }

        /// What to do with a job whose attempt failed.
        enum Verdict: Equatable {
            case retry(at: Double, reason: String)
            case fail(reason: String)
        }

        let configuration: Configuration
        private(set) var running = 0
        private var requests: TokenBucket?
        private var images: TokenBucket?
        private(set) var breaker: CircuitBreaker
        /// Paid so far in this batch (including what earlier processes paid).
        private(set) var spentUSD: Double
        /// Reserved for generations in flight.
        private(set) var reservedUSD = 0.0

        init(configuration: Configuration, spentUSD: Double = 0, now: Double) {
            self.configuration = configuration
            self.spentUSD = spentUSD
            requests = configuration.requestsPerMinute.map { TokenBucket(perMinute: $0, now: now) }
            images = configuration.imagesPerMinute.map { TokenBucket(perMinute: $0, now: now) }
            breaker = CircuitBreaker(threshold: configuration.breakerThreshold, cooldown: configuration.breakerCooldown)
        }

        /// How many generations may start now, or why none may.
        mutating func capacity(now: Double) -> Result<Int, BlockedError> {
            let free = configuration.concurrency - running
            guard free > 0 else { return .failure(BlockedError(.full)) }
            var allowed = free
            if let maxCost = configuration.maxCostUSD, configuration.pricePerImage > 0 {
                let left = maxCost - spentUSD - reservedUSD
                let affordable = Int(((left + 1e-9) / configuration.pricePerImage).rounded(.down))
                guard affordable > 0 else { return .failure(BlockedError(.budget)) }
                allowed = min(allowed, affordable)
            }
            var probe = breaker
            if let until = probe.admit(now: now) { return .failure(BlockedError(.until(until))) }
            if case .halfOpen = probe.state { allowed = 1 }
            for bucket in [requests, images] {
                guard var bucket else { continue }
                let available = bucket.available(now: now)
                if available == 0 {
                    return .failure(BlockedError(.until(bucket.take(now: now) ?? now)))
                }
                allowed = min(allowed, available)
            }
            return .success(allowed)
        }

        /// A generation is about to be asked of the provider: takes a slot, the rate-limit tokens and the
        /// reservation. Call only within `capacity(now:)`.
        mutating func start(now: Double) {
            running += 1
            reservedUSD += configuration.pricePerImage
            _ = breaker.admit(now: now)
            _ = requests?.take(now: now)
            _ = images?.take(now: now)
        }

        /// A job whose image is cached starts: it takes a slot for its pipeline work, nothing else.
        mutating func startCached() {
            running += 1
        }

        /// The provider part of a generation ended: frees its slot, settles its reservation and feeds the
        /// circuit breaker.
        mutating func finish(_ outcome: Outcome, now: Double) {
            running = max(0, running - 1)
            switch outcome {
            case .cached:
                return
            case .generated(let cost):
                reservedUSD = max(0, reservedUSD - configuration.pricePerImage)
                spentUSD += cost
                breaker.recordSuccess()
            case .cancelled:
                reservedUSD = max(0, reservedUSD - configuration.pricePerImage)
            case .failed(let error):
                reservedUSD = max(0, reservedUSD - configuration.pricePerImage)
                if error.isProviderFailure {
                    breaker.recordFailure(now: now)
                } else if !error.isRetryable {
                    // A refusal of one request says the provider is up.
                    breaker.recordSuccess()
                }
            }
        }

        /// What to do after attempt number `attempt` (1 for the first) failed with `error`: retry after a
        /// jittered backoff (never before the provider's `Retry-After`) while the policy allows, else fail with
        /// the provider's reason. `random` in `[0, 1)` draws the jitter.
        func verdict(attempt: Int, error: ProviderError, now: Double, random: Double) -> Verdict {
            guard error.isRetryable else { return .fail(reason: error.description) }
            guard configuration.retry.allowsRetry(afterAttempt: attempt) else {
                return .fail(reason: "\(error.description) (gave up after \(attempt) attempts)")
            }
            let delay = configuration.retry.delay(afterAttempt: attempt, retryAfter: error.retryAfter, random: random)
            return .retry(at: now + delay, reason: error.description)
        }
    }

    /// `StateMachine.Blocked` as an error, for `Result`.
    struct BlockedError: Error, Equatable {
        let reason: StateMachine.Blocked
        init(_ reason: StateMachine.Blocked) { self.reason = reason }
    }
}
