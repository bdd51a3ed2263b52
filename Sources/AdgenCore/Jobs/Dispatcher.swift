import Foundation
import Logging
import Metrics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the jobs of one batch to the end: leases them from the store, admits them through the state machine
/// (concurrency, rate limits, circuit breaker, budget), asks the provider (or takes the cached image), hands
/// each image to `process` (the pipeline, which writes the creatives), and records every outcome. Retries wait
/// out their backoff in the store, so a crash loses nothing; cancelling the batch (from any process) stops new
/// work and cancels what is in flight.
public struct Dispatcher<C: Clock>: Sendable where C.Duration == Duration {
    /// How the dispatch is bounded.
    public struct Configuration: Sendable {
        /// Generations asked of the provider at once.
        public var concurrency = 4
        /// Pipelines (CPU work) at once.
        public var pipelineConcurrency = ProcessInfo.processInfo.activeProcessorCount
        /// Provider rate limits.
        public var requestsPerMinute: Double?
        public var imagesPerMinute: Double?
        public var retry = RetryPolicy()
        /// Consecutive provider failures that open the circuit breaker, and how long it stays open (seconds).
        public var breakerThreshold = 5
        public var breakerCooldown = 30.0
        /// The budget cap, and the price reserved per generation.
        public var maxCostUSD: Double?
        public var pricePerImage = 0.0
        /// How long a lease lasts without renewal (seconds); renewed every third of it.
        public var leaseDuration = 60.0
        /// How often the store is polled for cancellation and due retries (seconds).
        public var pollInterval = 0.25
        /// Reuse cached generations.
        public var useCache = true
        /// The per-request timeout (seconds).
        public var requestTimeout = 300.0
        /// Set by a process shutting down: draining claims nothing more, stopping cancels what is in flight.
        public var stop: StopSignal?

        /// The defaults.
        public init() {}
    }

    /// Why a run stops when its process shuts down.
    static var stopReason: String { "shutting down" }

    /// How the dispatch ended.
    public enum Ending: Sendable, Equatable {
        /// Every job ended (succeeded, failed or cancelled).
        case drained
        /// The batch was cancelled.
        case cancelled
        /// Work stopped on an error that needs the operator (a full disk, an unwritable folder); the unfinished
        /// jobs are back in the queue for `adgen resume`.
        case paused(String)
        /// The process is shutting down (`StopSignal`): what was in flight finished or was given back; the batch is
        /// left as it is for the next process.
        case stopped
    }

    /// What the process stage gets: the job and its image.
    public struct Generated: Sendable {
        public var job: GenerationJob
        /// The image file, as recorded in the cache.
        public var generation: CachedGeneration
        /// Whether it came from the cache.
        public var cached: Bool
    }

    /// Stores a fresh image and returns its file (written atomically).
    public typealias Keep = @Sendable (GenerationJob, GeneratedImage) async throws -> String
    /// Makes a job's creatives from its image.
    public typealias Process = @Sendable (Generated) async throws -> [CreativeResult]

    public var configuration: Configuration
    let store: any JobStore
    let provider: any ImageProvider
    let clock: C
    let owner: String
    let logger: Logger

    /// Creates a dispatcher; `owner` names this process in leases (default `host/pid`).
    public init(
        store: any JobStore, provider: any ImageProvider, configuration: Configuration, clock: C,
        owner: String = ProcessIdentity.current, logger: Logger
    ) {
        self.store = store
        self.provider = provider
        self.configuration = configuration
        self.clock = clock
        self.owner = owner
        self.logger = logger
    }

    enum Event: Sendable {
        case tick
        /// The provider part of a job ended: frees its provider slot.
        case generation(jobID: Int64, attempt: Int, outcome: StateMachine.Outcome)
        /// The job ended: recorded, or to be retried or failed by the loop.
        case ended(jobID: Int64, attempt: Int, result: JobResult)
    }

    enum JobResult: Sendable {
        case completed
        case providerFailed(ProviderError)
        case failed(String)
        case cancelled
        case paused(String)
    }

    /// Dispatches every job of `batch` until none is left, the batch is cancelled, or work must pause. `isKept` says
    /// whether a cached generation's file is still there (a cache entry whose file is gone is generated again).
    public func run(
        batch: String, keep: @escaping Keep,
        isKept: @escaping @Sendable (CachedGeneration) -> Bool = { FileManager.default.fileExists(atPath: $0.file) },
        process: @escaping Process
    ) async throws -> Ending {
        let anchor = (instant: clock.now, date: Date())
        @Sendable func now() -> Double {
            anchor.date.timeIntervalSince1970 + anchor.instant.duration(to: clock.now).seconds
        }
        // Leases this host's dead processes left are ours to take back at once.
        let stale = try await store.leaseOwners(batch: batch).filter { ProcessIdentity.isDeadOnThisHost($0) }
        if try await store.releaseLeases(owners: stale) > 0 {
            logger.info("took back jobs left running by a stopped process", metadata: ["adgen.batch": "\(batch)"])
        }
        let spent = try await store.batch(id: batch)?.costUSD ?? 0
        var machine = StateMachine(
            configuration: .init(
                concurrency: configuration.concurrency, requestsPerMinute: configuration.requestsPerMinute,
                imagesPerMinute: configuration.imagesPerMinute, retry: configuration.retry,
                breakerThreshold: configuration.breakerThreshold, breakerCooldown: configuration.breakerCooldown,
                maxCostUSD: configuration.maxCostUSD, pricePerImage: configuration.pricePerImage),
            spentUSD: spent, now: now())
        let pipelines = AsyncSemaphore(configuration.pipelineConcurrency)
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        var generator = SystemRandomNumberGenerator()

        // A discarding group: each job is a child task, and a plain group would keep every finished child (and its
        // result) until awaited, so memory would grow with the batch.
        return try await withThrowingDiscardingTaskGroup(returning: Ending.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await clock.sleep(for: .seconds(configuration.pollInterval))
                    continuation.yield(.tick)
                }
            }
            defer { group.cancelAll() }
            var inFlight = 0  // jobs leased by this loop and not ended
            var blockedUntil: Double?
            var budgetExhausted = false
            var pausedReason: String?
            var lastRenewal = now()
            var lastCancelCheck = now()
            let metrics = ProviderMetrics(provider: provider.id)
            var stopping = false

            func fill() async throws {
                guard pausedReason == nil else { return }
                let backlog = configuration.concurrency + configuration.pipelineConcurrency
                while inFlight < backlog {
                    let moment = now()
                    if let until = blockedUntil, moment < until { return }
                    blockedUntil = nil
                    let allowed: Int
                    switch machine.capacity(now: moment) {
                    case .success(let count): allowed = min(count, backlog - inFlight)
                    case .failure(let blocked):
                        switch blocked.reason {
                        case .full: return
                        case .until(let until):
                            blockedUntil = until
                            return
                        case .budget:
                            if !budgetExhausted {
                                budgetExhausted = true
                                try await store.cancelPending(
                                    batch: batch,
                                    reason: "budget: max_cost_usd \(configuration.maxCostUSD ?? 0) reached",
                                    cancelBatch: false, now: Date(timeIntervalSince1970: moment))
                                logger.notice(
                                    "budget reached; the rest is cancelled", metadata: ["adgen.batch": "\(batch)"])
                            }
                            return
                        }
                    }
                    let jobs = try await store.claim(
                        batch: batch, owner: owner, limit: allowed, now: Date(timeIntervalSince1970: moment),
                        leaseUntil: Date(timeIntervalSince1970: moment + configuration.leaseDuration))
                    if jobs.isEmpty { return }
                    for job in jobs {
                        inFlight += 1
                        let cached = configuration.useCache ? try await store.cachedGeneration(key: job.key) : nil
                        let cachedFile = cached.flatMap { isKept($0) ? $0 : nil }
                        if cachedFile != nil { machine.startCached() } else { machine.start(now: moment) }
                        group.addTask {
                            await self.execute(
                                job, cached: cachedFile, keep: keep, process: process, pipelines: pipelines, now: now,
                                continuation: continuation)
                        }
                    }
                }
            }

            try await fill()
            for await event in events {
                switch event {
                case .tick:
                    let moment = now()
                    if moment - lastRenewal > configuration.leaseDuration / 3 {
                        try await store.renewLeases(
                            owner: owner, until: Date(timeIntervalSince1970: moment + configuration.leaseDuration))
                        lastRenewal = moment
                    }
                    if let stop = configuration.stop, stop.level > .running {
                        if pausedReason == nil { pausedReason = Self.stopReason }
                        if stop.level == .stopping, !stopping {
                            stopping = true
                            group.cancelAll()
                        }
                        if inFlight == 0 { return .stopped }
                    }
                    if moment - lastCancelCheck >= configuration.pollInterval {
                        lastCancelCheck = moment
                        if try await store.state(batch: batch) == .cancelled {
                            group.cancelAll()
                            if inFlight == 0 { return .cancelled }
                            pausedReason = pausedReason ?? "cancelled"
                        }
                    }
                case .generation(_, _, let outcome):
                    machine.finish(outcome, now: now())
                    metrics.record(outcome, circuitOpen: machine.breaker.isOpen)
                case .ended(let jobID, let attempt, let result):
                    inFlight -= 1
                    let moment = Date(timeIntervalSince1970: now())
                    switch result {
                    case .completed:
                        break
                    case .providerFailed(let error):
                        let verdict = machine.verdict(
                            attempt: attempt, error: error, now: moment.timeIntervalSince1970,
                            random: Double.random(in: 0..<1, using: &generator))
                        switch verdict {
                        case .retry(let at, let reason):
                            metrics.retries.increment()
                            logger.info(
                                "retrying",
                                metadata: [
                                    "adgen.job": "\(jobID)", "adgen.reason": "\(reason)",
                                    "adgen.delay": "\(at - moment.timeIntervalSince1970)",
                                ])
                            try await store.retry(
                                job: jobID, owner: owner, error: reason, notBefore: Date(timeIntervalSince1970: at),
                                now: moment)
                        case .fail(let reason):
                            try await store.fail(job: jobID, owner: owner, reason: reason, now: moment)
                        }
                    case .failed(let reason):
                        try await store.fail(job: jobID, owner: owner, reason: reason, now: moment)
                    case .cancelled:
                        if pausedReason == "cancelled" {
                            try await store.cancel(job: jobID, reason: "cancelled", now: moment)
                        } else {
                            try await store.release(job: jobID, owner: owner)
                        }
                    case .paused(let reason):
                        try await store.release(job: jobID, owner: owner)
                        if pausedReason == nil {
                            pausedReason = reason
                            group.cancelAll()
                        }
                    }
                }
                if let pausedReason {
                    if inFlight == 0 {
                        switch pausedReason {
                        case "cancelled": return .cancelled
                        case Self.stopReason: return .stopped
                        default: return .paused(pausedReason)
                        }
                    }
                    continue
                }
                try await fill()
                if inFlight == 0 {
                    if try await store.nextDue(batch: batch) == nil { return .drained }
                }
            }
            return .drained
        }
    }

    /// One job: the image (cache or provider), then the pipeline; reports both ends as events.
    func execute(
        _ job: GenerationJob, cached: CachedGeneration?, keep: Keep, process: Process, pipelines: AsyncSemaphore,
        now: @Sendable () -> Double, continuation: AsyncStream<Event>.Continuation
    ) async {
        @Sendable func date() -> Date { Date(timeIntervalSince1970: now()) }
        let attempt = job.attempts
        let result: JobResult
        do {
            let generated: Generated
            if let cached {
                continuation.yield(.generation(jobID: job.id, attempt: attempt, outcome: .cached))
                try await store.recordGeneration(cached, job: job.id, cached: true, now: date())
                generated = Generated(job: job, generation: cached, cached: true)
            } else {
                let image: GeneratedImage
                logger.debug(
                    "generation requested",
                    metadata: ["adgen.job": "\(job.id)", "adgen.key": "\(job.key)", "adgen.attempt": "\(attempt)"])
                let requested = ContinuousClock.now
                defer { ProviderMetrics.requestTimer(provider.id).record(duration: ContinuousClock.now - requested) }
                do {
                    image = try await withTimeout(seconds: configuration.requestTimeout, provider: provider.id) {
                        try await provider.generate(job.request)
                    }
                } catch let error as ProviderError {
                    continuation.yield(.generation(jobID: job.id, attempt: attempt, outcome: .failed(error)))
                    continuation.yield(.ended(jobID: job.id, attempt: attempt, result: .providerFailed(error)))
                    return
                } catch is CancellationError {
                    continuation.yield(.generation(jobID: job.id, attempt: attempt, outcome: .cancelled))
                    continuation.yield(.ended(jobID: job.id, attempt: attempt, result: .cancelled))
                    return
                } catch {
                    let failure = ProviderError.connection(provider: provider.id, message: "\(error)")
                    continuation.yield(.generation(jobID: job.id, attempt: attempt, outcome: .failed(failure)))
                    continuation.yield(.ended(jobID: job.id, attempt: attempt, result: .providerFailed(failure)))
                    return
                }
                continuation.yield(
                    .generation(jobID: job.id, attempt: attempt, outcome: .generated(cost: image.costUSD)))
                let file = try await keep(job, image)
                let record = CachedGeneration(
                    key: job.key, provider: provider.id, model: job.request.model, file: file, width: image.width,
                    height: image.height, costUSD: image.costUSD, providerRequestID: image.providerRequestID)
                try await store.recordGeneration(record, job: job.id, cached: false, now: date())
                generated = Generated(job: job, generation: record, cached: false)
            }
            try Task.checkCancellation()
            await pipelines.wait()
            let creatives: [CreativeResult]
            do {
                creatives = try await process(generated)
            } catch {
                await pipelines.signal()
                throw error
            }
            await pipelines.signal()
            if try await store.complete(job: job.id, owner: owner, creatives: creatives, now: date()) {
                result = .completed
            } else {
                result = .failed("the lease was lost to another process")
            }
        } catch is CancellationError {
            result = .cancelled
        } catch let error as OutputError {
            result = .paused(error.description)
        } catch {
            result = .failed("\(error)")
        }
        continuation.yield(.ended(jobID: job.id, attempt: attempt, result: result))
    }
}

extension Duration {
    /// The duration in seconds.
    package var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// Runs `body`, throwing a provider timeout when it takes longer than `seconds`.
func withTimeout<T: Sendable>(
    seconds: Double, provider: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw ProviderError.timeout(provider: provider, message: "no answer in \(Int(seconds)) s")
        }
        return value
    }
}

/// A counting semaphore for async code: bounds how many pipelines run at once.
actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ permits: Int) { self.permits = max(1, permits) }

    func wait() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func signal() {
        if waiters.isEmpty {
            permits += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Names this process in job leases: `host/pid`.
public enum ProcessIdentity {
    /// `hostname/pid` of this process.
    public static var current: String { "\(hostName)/\(getpid())" }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `owner` is a process of this host that no longer runs (so its leases can be taken back at once).
    static func isDeadOnThisHost(_ owner: String) -> Bool {
        let parts = owner.split(separator: "/")
        guard parts.count == 2, parts[0] == hostName, let pid = pid_t(parts[1]) else { return false }
        if pid == getpid() { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
