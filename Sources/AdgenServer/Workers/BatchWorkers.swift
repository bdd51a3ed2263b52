import AdgenCore
import AdgenService
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The in-process workers of `adgen serve`: up to `count` batches run at once, each through the service as the CLI
/// runs it (the provider's concurrency, rate limits, retries, budget). Idle workers look for queued batches every
/// poll, and at once when a batch is submitted.
///
/// A batch found `in_progress` with no runner here (the server was killed) is resumed: its jobs left running by the
/// dead process are taken back. On SIGTERM the workers drain — nothing new is claimed, generations in flight may
/// finish for the grace period — then what is still running is cancelled and given back to the queue.
final class BatchWorkers: Service, Sendable {
    let service: BatchService
    let count: Int
    let poll: Duration
    let grace: Duration
    let logger: Logger
    let stop = StopSignal()
    let wakeup = Wakeup()
    /// Where the batch runs execute: threads of their own, not the cooperative pool the HTTP handlers need.
    let threads = WorkerThreads(threads: ProcessInfo.processInfo.activeProcessorCount)
    /// Batches running here, and batches to leave alone until a moment (paused ones, failing ones).
    private let state = Mutex<(running: Set<String>, resting: [String: ContinuousClock.Instant])>(([], [:]))

    /// Where a tenant's batches are exported for the API to serve their manifests and packs.
    let exportRoot: @Sendable (String) -> String

    init(
        service: BatchService, count: Int, poll: Duration, grace: Duration, logger: Logger,
        exportRoot: @escaping @Sendable (String) -> String
    ) {
        self.exportRoot = exportRoot
        self.service = service
        self.count = count
        self.poll = poll
        self.grace = grace
        self.logger = logger
    }

    /// Looks for work now.
    func wake() { wakeup.wake() }

    /// How many batches run here now.
    var running: Int { state.withLock { $0.running.count } }

    /// Whether batch `id` runs here now.
    func isWorking(on id: String) -> Bool { state.withLock { $0.running.contains(id) } }

    /// Whether the workers accept work (not shutting down).
    var isRunning: Bool { stop.level == .running }

    func run() async throws {
        defer { Task { await threads.shutdown() } }
        guard count > 0 else {
            try? await gracefulShutdown()
            return
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while stop.level == .running && !Task.isCancelled {
                    for id in await self.runnable() {
                        group.addTask(executorPreference: threads) { await self.work(on: id) }
                    }
                    await wakeup.sleep(for: poll)
                }
            }
        } onGracefulShutdown: {
            self.logger.notice(
                "draining: finishing the generations in flight", metadata: ["adgen.grace": "\(self.grace)"])
            self.stop.drain()
            self.wakeup.wake()
            Task {
                try? await Task.sleep(for: self.grace)
                self.stop.stop()
            }
        }
    }

    /// Batches to start now (oldest first), as many as there are free workers; each is marked running.
    func runnable() async -> [String] {
        let free = count - running
        guard free > 0 else { return [] }
        let candidates: [Batch]
        do {
            var found = [Batch]()
            var cursor: BatchCursor?
            repeat {
                let page = try await service.batches(
                    BatchQuery(tenant: .any, states: [.queued, .inProgress, .finalizing], after: cursor, limit: 200))
                found += page.batches
                cursor = page.next
            } while cursor != nil && found.count < 10_000
            candidates = found.reversed()
        } catch {
            logger.warning("workers cannot read the store: \(error)")
            return []
        }
        let now = ContinuousClock.now
        return state.withLock { state in
            var picked = [String]()
            for batch in candidates where picked.count < free {
                if state.running.contains(batch.id) { continue }
                if let until = state.resting[batch.id], until > now { continue }
                state.resting[batch.id] = nil
                state.running.insert(batch.id)
                picked.append(batch.id)
            }
            return picked
        }
    }

    /// Runs one batch to its end (or until the process stops), then frees the worker.
    func work(on id: String) async {
        var options = BatchService.RunOptions()
        // The delivery loop sends retries continuously: a run does not wait for them.
        options.deliveryWait = 0
        options.stop = stop
        var rest: Duration?
        do {
            if let tenant = try await service.batch(id).tenant { options.exportFolders = [exportRoot(tenant)] }
            let outcome = try await service.resume(id, options: options)
            if outcome.paused != nil { rest = .seconds(60) }
            logger.info(
                "batch run ended",
                metadata: ["adgen.batch": "\(id)", "adgen.state": "\(outcome.batch.state.rawValue)"])
        } catch {
            switch error.kind {
            case .invalidCampaign, .notConfigured, .badRequest:
                // It cannot run as it is (a provider key removed since): it fails with the reason, once.
                try? await service.store.setState(
                    batch: id, .failed, reason: "cannot run: \(error.message)", now: Date())
            case .noSuchBatch, .conflict:
                break
            case .unavailable, .internal:
                rest = .seconds(10)
            }
            logger.warning("batch run failed: \(error.message)", metadata: ["adgen.batch": "\(id)"])
        }
        let until = rest.map { ContinuousClock.now + $0 }
        state.withLock { state in
            state.running.remove(id)
            if let until { state.resting[id] = until }
        }
        wakeup.wake()
    }
}

/// Sends due webhook messages of every batch, every interval (and when woken), for as long as the server runs:
/// retries go out when they are due, whether or not a batch is running.
final class DeliveryLoop: Service, Sendable {
    let service: BatchService
    let interval: Duration
    let logger: Logger
    let wakeup = Wakeup()

    init(service: BatchService, interval: Duration, logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    func wake() { wakeup.wake() }

    func run() async throws {
        await service.recoverDeliveries()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await self.service.sendDueDeliveries()
                } catch {
                    self.logger.warning("webhook delivery: \(error)")
                }
                await self.wakeup.sleep(for: self.interval)
            }
        }
    }
}
