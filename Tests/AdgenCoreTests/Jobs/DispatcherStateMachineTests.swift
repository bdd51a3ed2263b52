import Testing

@testable import AdgenCore

@Suite("Dispatch scheduling: backoff, rate limits, breaker, budget")
struct DispatcherStateMachineTests {
    typealias Machine = Dispatcher<ContinuousClock>.StateMachine

    @Test("Backoff grows exponentially with full jitter, is capped, and never undercuts Retry-After")
    func backoff() {
        let policy = RetryPolicy(base: 1, cap: 30, maxAttempts: 5)
        // The top of the jitter range doubles per attempt until the cap.
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0.999_999) < 1.0001)
        #expect(abs(policy.delay(afterAttempt: 3, retryAfter: nil, random: 0.999_999) - 4) < 0.001)
        #expect(abs(policy.delay(afterAttempt: 10, retryAfter: nil, random: 0.999_999) - 30) < 0.001)
        // Full jitter: anywhere from 0.
        #expect(policy.delay(afterAttempt: 4, retryAfter: nil, random: 0) == 0)
        // Retry-After is a lower bound, even when the draw is small.
        #expect(policy.delay(afterAttempt: 1, retryAfter: 12, random: 0.1) == 12)
        #expect(policy.allowsRetry(afterAttempt: 4))
        #expect(!policy.allowsRetry(afterAttempt: 5))
    }

    @Test("Retry-After is read as seconds or as an HTTP date")
    func retryAfterParsing() {
        #expect(parseRetryAfter("7", now: 0) == 7)
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_767) == 10)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_800) == 0)
        #expect(parseRetryAfter("soon", now: 0) == nil)
    }

    @Test("A token bucket admits its burst, then one request per 1/rate seconds")
    func tokenBucket() {
        var bucket = TokenBucket(perMinute: 600, burst: 10, now: 0)
        for _ in 0..<10 { #expect(bucket.take(now: 0) == nil) }
        let next = bucket.take(now: 0)
        #expect(next != nil && abs(next! - 0.1) < 1e-9)
        #expect(bucket.take(now: 0.1) == nil)
        // A long pause refills to the burst, not beyond.
        #expect(bucket.available(now: 100) == 10)
    }

    @Test(
        "The breaker opens after K consecutive provider failures, probes once after the cooldown, and closes on success"
    )
    func breaker() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: 10)
        for _ in 0..<2 { breaker.recordFailure(now: 0) }
        #expect(breaker.admit(now: 0) == nil)
        breaker.recordFailure(now: 1)
        #expect(breaker.isOpen)
        #expect(breaker.admit(now: 5) == 11)
        // Half-open: one probe, the next caller waits.
        #expect(breaker.admit(now: 11) == nil)
        #expect(breaker.admit(now: 11) != nil)
        breaker.recordFailure(now: 12)
        #expect(breaker.admit(now: 13) == 22)
        #expect(breaker.admit(now: 22) == nil)
        breaker.recordSuccess()
        #expect(breaker.admit(now: 22) == nil)
        #expect(breaker.admit(now: 22) == nil)
    }

    @Test("Concurrency bounds the starts; a finished generation frees its slot")
    func concurrency() throws {
        var machine = Machine(configuration: .init(concurrency: 3), now: 0)
        #expect(try machine.capacity(now: 0).get() == 3)
        for _ in 0..<3 { machine.start(now: 0) }
        #expect(machine.capacity(now: 0) == .failure(.init(.full)))
        machine.finish(.generated(cost: 0), now: 1)
        #expect(try machine.capacity(now: 1).get() == 1)
    }

    @Test("A rate limit of 60/min spaces the starts a second apart")
    func rateLimit() throws {
        var machine = Machine(configuration: .init(concurrency: 100, requestsPerMinute: 60), now: 0)
        #expect(try machine.capacity(now: 0).get() == 1)
        machine.start(now: 0)
        machine.finish(.generated(cost: 0), now: 0.01)
        guard case .failure(let blocked) = machine.capacity(now: 0.01), case .until(let until) = blocked.reason else {
            Issue.record("expected the rate limit to block")
            return
        }
        #expect(abs(until - 1) < 1e-6)
        #expect(try machine.capacity(now: 1).get() == 1)
    }

    @Test("Nothing starts that could take the spend over max_cost_usd, counting what is in flight")
    func budget() throws {
        var machine = Machine(
            configuration: .init(concurrency: 10, maxCostUSD: 1.0, pricePerImage: 0.3), spentUSD: 0.1, now: 0)
        // 0.1 spent: three more fit (1.0), a fourth would not.
        #expect(try machine.capacity(now: 0).get() == 3)
        for _ in 0..<3 { machine.start(now: 0) }
        #expect(machine.capacity(now: 0) == .failure(.init(.budget)))
        // A failed generation gives its reservation back.
        machine.finish(.failed(.unavailable(provider: "p", message: "down", status: 503)), now: 1)
        #expect(try machine.capacity(now: 1).get() == 1)
    }

    @Test("Retryable errors retry until the attempts run out; refusals fail at once with the provider's reason")
    func verdicts() {
        let machine = Machine(configuration: .init(retry: RetryPolicy(base: 2, cap: 60, maxAttempts: 3)), now: 0)
        let limited = ProviderError.rateLimited(provider: "openai", message: "slow down", retryAfter: 20)
        #expect(
            machine.verdict(attempt: 1, error: limited, now: 100, random: 0.5)
                == .retry(at: 120, reason: limited.description))
        let down = ProviderError.unavailable(provider: "openai", message: "bad gateway", status: 502)
        #expect(
            machine.verdict(attempt: 2, error: down, now: 100, random: 0.5) == .retry(at: 102, reason: down.description)
        )
        guard case .fail(let reason) = machine.verdict(attempt: 3, error: down, now: 100, random: 0.5) else {
            Issue.record("expected a failure after 3 attempts")
            return
        }
        #expect(reason.contains("gave up after 3 attempts"))
        let refused = ProviderError.contentPolicy(
            provider: "openai", message: "Your request was rejected by the safety system")
        #expect(machine.verdict(attempt: 1, error: refused, now: 0, random: 0) == .fail(reason: refused.description))
        #expect(refused.description.contains("safety system"))
    }

    @Test("Provider failures open the breaker; refusals of one request do not")
    func breakerFromOutcomes() throws {
        var machine = Machine(configuration: .init(concurrency: 10, breakerThreshold: 2, breakerCooldown: 5), now: 0)
        for _ in 0..<3 { machine.start(now: 0) }
        machine.finish(.failed(.invalidRequest(provider: "p", message: "bad size", status: 400)), now: 0)
        machine.finish(.failed(.unavailable(provider: "p", message: "500", status: 500)), now: 0)
        #expect(try machine.capacity(now: 0).get() > 0)
        machine.finish(.failed(.timeout(provider: "p", message: "no answer")), now: 1)
        #expect(machine.capacity(now: 1) == .failure(.init(.until(6))))
        #expect(try machine.capacity(now: 6).get() == 1)
    }
}
