import AdgenSQLite
import AdgenTesting
import Foundation
import Logging
import Synchronization
import Testing

@testable import AdgenCore

/// A scripted provider for the dispatcher's own tests: it answers after `latency`, fails the calls `fault` picks,
/// and records how many calls ran at once. (Each HTTP adapter is tested against a real local server elsewhere.)
final class ScriptedProvider: ImageProvider, @unchecked Sendable {
    // Safe: every mutable field is behind `state`'s lock.
    let id = "scripted"
    let latency: Duration
    let cost: Double
    let fault: @Sendable (Int) -> ProviderError?
    private let state = Mutex((calls: 0, running: 0, peak: 0, prompts: [String]()))

    init(
        latency: Duration = .milliseconds(5), cost: Double = 0,
        fault: @escaping @Sendable (Int) -> ProviderError? = { _ in nil }
    ) {
        self.latency = latency
        self.cost = cost
        self.fault = fault
    }

    var calls: Int { state.withLock { $0.calls } }
    var peak: Int { state.withLock { $0.peak } }
    var prompts: [String] { state.withLock { $0.prompts } }

    func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        let call = state.withLock { state in
            state.calls += 1
            state.running += 1
            state.peak = max(state.peak, state.running)
            state.prompts.append(request.prompt)
            return state.calls
        }
        defer { state.withLock { $0.running -= 1 } }
        try await Task.sleep(for: latency)
        if let error = fault(call) { throw error }
        return GeneratedImage(
            bytes: Array("image \(request.prompt)".utf8), width: request.width, height: request.height, costUSD: cost)
    }
}

@Suite("The dispatcher, on a real store")
struct DispatcherTests {
    static func configuration(_ edit: (inout Dispatcher<ContinuousClock>.Configuration) -> Void = { _ in })
        -> Dispatcher<ContinuousClock>.Configuration
    {
        var configuration = Dispatcher<ContinuousClock>.Configuration()
        configuration.pollInterval = 0.01
        configuration.retry = RetryPolicy(base: 0.005, cap: 0.05, maxAttempts: 8)
        configuration.breakerCooldown = 0.02
        configuration.breakerThreshold = 20
        edit(&configuration)
        return configuration
    }

    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }()

    /// Runs batch `b_1` and returns how it ended.
    static func run(
        _ store: SQLiteJobStore, provider: ScriptedProvider, configuration: Dispatcher<ContinuousClock>.Configuration,
        batch: String = "b_1", keep: Dispatcher<ContinuousClock>.Keep? = nil
    ) async throws -> Dispatcher<ContinuousClock>.Ending {
        let dispatcher = Dispatcher(
            store: store, provider: provider, configuration: configuration, clock: ContinuousClock(), owner: "test/1",
            logger: Self.quiet)
        return try await dispatcher.run(
            batch: batch,
            keep: keep ?? { job, _ in "/nonexistent/\(job.key).png" },
            process: { generated in
                try await store.creatives(job: generated.job.id).map {
                    CreativeResult(id: $0.id, state: .succeeded, file: "\($0.sizeID)/\($0.id).jpg")
                }
            })
    }

    @Test("Every job runs once, never more than `concurrency` at a time")
    func concurrency() async throws {
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, jobs: 40)
        let provider = ScriptedProvider(latency: .milliseconds(100))
        let ending = try await Self.run(
            store, provider: provider, configuration: Self.configuration { $0.concurrency = 6 })
        #expect(ending == .drained)
        #expect(provider.calls == 40)
        #expect(Set(provider.prompts).count == 40)
        #expect(provider.peak <= 6)
        #expect(provider.peak >= 3, "calls overlap")
        let batch = try #require(try await store.batch(id: "b_1"))
        #expect(batch.jobs.completed == 40 && batch.creatives.completed == 80)
    }

    @Test("With 30% of calls failing (500s and 429s), every job still completes within the retry budget")
    func flakyProvider() async throws {
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, jobs: 60)
        let provider = ScriptedProvider { call in
            switch call % 10 {
            case 1, 4: .unavailable(provider: "scripted", message: "internal error", status: 500)
            case 7: .rateLimited(provider: "scripted", message: "slow down", retryAfter: 0.01)
            default: nil
            }
        }
        let ending = try await Self.run(
            store, provider: provider, configuration: Self.configuration { $0.concurrency = 8 })
        #expect(ending == .drained)
        let batch = try #require(try await store.batch(id: "b_1"))
        #expect(batch.jobs.completed == 60, "failed: \(batch.jobs.failed)")
        #expect(provider.calls > 60 && provider.calls < 120)
    }

    @Test("A refusal fails its job at once with the provider's reason; the others are made")
    func refusal() async throws {
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, jobs: 3)
        let provider = ScriptedProvider { call in
            call == 2
                ? .contentPolicy(provider: "scripted", message: "request rejected by the safety system", status: 400)
                : nil
        }
        _ = try await Self.run(store, provider: provider, configuration: Self.configuration { $0.concurrency = 1 })
        #expect(provider.calls == 3)
        let failures = try await store.creatives(batch: "b_1").compactMap(\.failure)
        #expect(failures.count == 2)
        #expect(failures.allSatisfy { $0.contains("content policy") && $0.contains("safety system") })
    }

    @Test("Nothing is dispatched past max_cost_usd; the rest is cancelled with reason budget")
    func budget() async throws {
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, jobs: 10)
        let provider = ScriptedProvider(cost: 0.04)
        let ending = try await Self.run(
            store, provider: provider,
            configuration: Self.configuration {
                $0.concurrency = 3
                $0.maxCostUSD = 0.13
                $0.pricePerImage = 0.04
            })
        #expect(ending == .drained)
        #expect(provider.calls == 3)
        let batch = try #require(try await store.batch(id: "b_1"))
        #expect(batch.costUSD <= 0.13)
        #expect(batch.jobs.cancelled == 7)
        let reasons = try await store.creatives(batch: "b_1").compactMap(\.failure)
        #expect(reasons.count == 14 && reasons.allSatisfy { $0.hasPrefix("budget") })
    }

    @Test("Cancelling the batch from outside stops new work and cancels the calls in flight")
    func cancel() async throws {
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, jobs: 50)
        let provider = ScriptedProvider(latency: .seconds(30))
        async let ending = Self.run(store, provider: provider, configuration: Self.configuration { $0.concurrency = 4 })
        let deadline = ContinuousClock().now + .seconds(30)
        while provider.calls < 4 && ContinuousClock().now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await store.cancelPending(batch: "b_1", reason: "cancelled by the user", cancelBatch: true, now: Date())
        let started = ContinuousClock().now
        #expect(try await ending == .cancelled)
        #expect(ContinuousClock().now - started < .seconds(5), "in-flight calls are cancelled, not waited for")
        #expect(provider.calls == 4)
        let batch = try #require(try await store.batch(id: "b_1"))
        #expect(batch.state == .cancelled && batch.jobs.cancelled == 50)
    }

    @Test("A generation made once is taken from the cache, never asked for again")
    func cache() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, id: "b_1", jobs: 5)
        _ = try await StoreFixture.submit(store, id: "b_2", jobs: 5)
        let provider = ScriptedProvider()
        let keep: Dispatcher<ContinuousClock>.Keep = { job, image in
            let path = "\(folder.path)/\(job.key).png"
            try AtomicFile.write(image.bytes, to: path)
            return path
        }
        _ = try await Self.run(store, provider: provider, configuration: Self.configuration(), batch: "b_1", keep: keep)
        #expect(provider.calls == 5)
        _ = try await Self.run(store, provider: provider, configuration: Self.configuration(), batch: "b_2", keep: keep)
        #expect(provider.calls == 5, "the second batch asks nothing of the provider")
        #expect(try await store.batch(id: "b_2")?.creatives.completed == 10)
        // --no-cache asks again.
        _ = try await StoreFixture.submit(store, id: "b_3", jobs: 5)
        _ = try await Self.run(
            store, provider: provider, configuration: Self.configuration { $0.useCache = false }, batch: "b_3",
            keep: keep)
        #expect(provider.calls == 10)
    }

    @Test("A full disk pauses the batch: the job goes back to the queue, nothing is marked done")
    func diskFull() async throws {
        let store = try SQLiteJobStore()
        _ = try await StoreFixture.submit(store, jobs: 4)
        let provider = ScriptedProvider()
        let ending = try await Self.run(
            store, provider: provider, configuration: Self.configuration { $0.concurrency = 1 },
            keep: { _, _ in throw OutputError(path: "/full/x.png", code: ENOSPC, action: "write") })
        guard case .paused(let reason) = ending else {
            Issue.record("expected a pause, got \(ending)")
            return
        }
        #expect(reason.contains("No space left on device") && reason.contains("adgen resume"))
        let batch = try #require(try await store.batch(id: "b_1"))
        #expect(batch.jobs.completed == 0 && batch.jobs.remaining == 4)
        #expect(try await store.leaseOwners(batch: "b_1").isEmpty)
    }
}
