import AdgenCore
import Foundation
import Synchronization

extension BatchService {
    /// How to run a batch.
    public struct RunOptions: Sendable {
        /// Reuse cached generations (`--no-cache` turns it off).
        public var useCache = true
        /// Folders to export to once the batch is completed, besides the campaign's own `export: - folder:`s.
        public var exportFolders: [String] = []
        /// Seconds to wait for webhook retries after the run (default: `adgen.yaml`'s `webhooks.wait_s`, else 60).
        public var deliveryWait: Double?
        /// Set by a process that shuts down gracefully: the run drains, then gives back what is still in flight.
        public var stop: StopSignal?
        /// Overrides of the dispatch settings (tests and benchmarks).
        public var dispatch: (@Sendable (inout Dispatcher<ContinuousClock>.Configuration) -> Void)?

        /// The defaults: cache on, no extra folder.
        public init() {}
    }

    /// How a run ended.
    public struct RunOutcome: Sendable {
        /// The batch as it is now.
        public var batch: Batch
        /// Set when the run stopped to wait for the operator (a full disk): resuming continues it.
        public var paused: String?
        /// The folder exports written.
        public var exports: [FolderExport] = []
        /// The folder exports that failed (the results stay in the store).
        public var exportFailures: [ExportError] = []
        /// Where the batch's webhook messages stand, when it has webhooks.
        public var deliveries: DeliveryReport?
        /// The process is shutting down: the run gave back what it had not finished.
        public var stopped = false
    }

    /// Resumes batch `id`: checks its setup again (a key may have been removed since), subscribes its campaign's
    /// webhooks, then runs it like `run`.
    public func resume(
        _ id: String, options: RunOptions = .init(), events: AsyncStream<BatchEvent>.Continuation? = nil
    ) async throws(ServiceError) -> RunOutcome {
        _ = try await batch(id)
        let context: BatchContext
        do {
            context = try await self.context(of: id)
            try checkSetup(of: context)
            try await registerWebhooks(of: context, batch: id, now: Date())
        } catch {
            events?.finish()
            throw error
        }
        return try await run(id, options: options, events: events)
    }

    /// Runs batch `id` until it is finished, cancelled or paused, sending its webhook events while it runs; then,
    /// when it is completed, exports it to the campaign's folders and `options.exportFolders`, announces
    /// `batch.completed` and `export.ready`, and waits up to the delivery wait for retries. `events` (finished
    /// when the run returns) gets the progress as it happens.
    public func run(
        _ id: String, options: RunOptions = .init(), events: AsyncStream<BatchEvent>.Continuation? = nil
    ) async throws(ServiceError) -> RunOutcome {
        defer { events?.finish() }
        do {
            return try await runOrThrow(id, options: options, events: events)
        } catch {
            throw .wrapping(error)
        }
    }

    private func runOrThrow(
        _ id: String, options: RunOptions, events: AsyncStream<BatchEvent>.Continuation?
    ) async throws -> RunOutcome {
        let context = try await self.context(of: id)
        var settings = BatchRunner.Configuration(dataRoot: configuration.dataRoot)
        settings.useCache = options.useCache
        settings.dispatch = options.dispatch
        settings.stop = options.stop
        let runner = BatchRunner(configuration: settings, store: store, providers: providers, logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let first = try await batch(id)
        let doneAtStart = first.creatives.total - first.creatives.remaining
        func progress(_ batch: Batch) -> BatchProgress {
            BatchProgress(batch, elapsed: (clock.now - start).seconds, doneAtStart: doneAtStart)
        }
        events?.yield(.started(progress(first)))
        // When the runner is done, the other tasks finish their round and stop: a webhook round is not cut off in
        // the middle (its attempts would go unrecorded, and a 410 unheeded).
        let done = DoneSignal()
        let summary = try await withThrowingTaskGroup(of: BatchRunner.Summary?.self) { group in
            group.addTask {
                defer { done.set() }
                return try await runner.run(id, context: context)
            }
            group.addTask {
                await deliverWhileRunning(id, context: context, until: done)
                return nil
            }
            if let events {
                group.addTask {
                    // An event when the counts change, and one at least every 5 s (a heartbeat while a slow
                    // provider works).
                    var last = first
                    var lastSent = clock.now
                    while !done.isSet {
                        try? await Task.sleep(for: configuration.progressInterval)
                        guard !done.isSet, let batch = try? await store.batch(id: id) else { continue }
                        if batch.creatives != last.creatives || batch.jobs != last.jobs || batch.state != last.state
                            || clock.now - lastSent >= .seconds(5)
                        {
                            events.yield(.progress(progress(batch)))
                            last = batch
                            lastSent = clock.now
                        }
                    }
                    return nil
                }
            }
            var summary: BatchRunner.Summary?
            while let result = try await group.next() {
                if let result { summary = result }
            }
            guard let summary else { throw CancellationError() }
            return summary
        }
        var outcome = RunOutcome(batch: summary.batch, paused: summary.paused, stopped: summary.stopped)
        if summary.stopped {
            // Shutting down: the batch is left for the next process; nothing is exported or announced.
        } else if let paused = summary.paused {
            events?.yield(.paused(reason: paused, progress(summary.batch)))
        } else {
            let folders =
                summary.batch.state == .completed
                ? context.campaign.export.compactMap { target -> String? in
                    if case .folder(let path) = target { return path }
                    return nil
                } + options.exportFolders : []
            let delivered = try await deliver(
                summary.batch, context: context, folders: folders, wait: options.deliveryWait, events: events)
            outcome.exports = delivered.exports
            outcome.exportFailures = delivered.failures
            outcome.deliveries = delivered.report
        }
        outcome.batch = try await batch(id)
        events?.yield(.finished(progress(outcome.batch)))
        return outcome
    }

    /// While a batch runs: announces each creative as it finishes and sends what is due, every half second, until
    /// `done` is set (a round in progress is finished first) or the task is cancelled. Delivery problems never stop
    /// the batch; they are logged and retried.
    func deliverWhileRunning(_ id: String, context: BatchContext, until done: DoneSignal) async {
        guard let endpoints = try? await store.endpoints(batch: id), !endpoints.isEmpty else { return }
        let delivery = delivery
        try? await delivery.recoverAbandoned(batch: id)
        while !Task.isCancelled && !done.isSet {
            do {
                try await delivery.announceCreatives(batch: id, context: context)
                try await delivery.sendDue(batch: id)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("webhook delivery: \(error)", metadata: ["adgen.batch": "\(id)"])
            }
            for _ in 0..<5 where !done.isSet { try? await Task.sleep(for: .milliseconds(100)) }
        }
    }
}

/// A one-way signal between tasks: set once, read by anyone.
final class DoneSignal: Sendable {
    private let value = Mutex(false)

    /// Whether it was set.
    var isSet: Bool { value.withLock { $0 } }

    /// Sets it.
    func set() { value.withLock { $0 = true } }
}
