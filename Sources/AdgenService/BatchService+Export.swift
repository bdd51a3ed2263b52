import AdgenCore
import Foundation

extension BatchService {
    /// Where `export` sends a batch.
    public enum ExportTarget: Sendable, Equatable {
        /// `ROOT/<campaign>/<batch-id>/`: creatives, manifests, packs, contact sheet, gallery.
        case folder(String)
        /// Every event of the batch so far, signed with the secret in `secretEnv`; `events` empty for all.
        case webhook(url: String, secretEnv: String, events: [WebhookEvent.Kind])
    }

    /// What an export came to.
    public struct ExportOutcome: Sendable {
        /// The folder exports written.
        public var exports: [FolderExport] = []
        /// The folder exports that failed.
        public var failures: [ExportError] = []
        /// Every endpoint of the batch, after sending (nil when the batch has no messages).
        public var deliveries: DeliveryReport?
        /// The endpoints this export registered (its `webhook` targets), after sending.
        public var requested: DeliveryReport?
    }

    /// Exports batch `id` again: each folder target is written (only a completed batch: `conflict` otherwise) and
    /// announced as `export.ready`; each webhook target is checked (URL policy: `badRequest`; secret: `notConfigured`)
    /// before anything is sent, subscribed, and sent every event so far. Then what is due is sent, waiting up to
    /// `wait` seconds for retries.
    public func export(
        _ id: String, to targets: [ExportTarget], wait: Double? = nil,
        events: AsyncStream<BatchEvent>.Continuation? = nil
    ) async throws(ServiceError) -> ExportOutcome {
        defer { events?.finish() }
        let record = try await batch(id)
        let sender = delivery
        for case .webhook(let url, let secretEnv, _) in targets {
            do {
                _ = try sender.configuration.policy.check(url)
            } catch {
                throw ServiceError(.badRequest, "--to webhook:\(WebhookURLPolicy.redacted(url)): \(error)")
            }
            do {
                _ = try WebhookSecret.fromEnvironment(secretEnv, sender.configuration.environment)
            } catch {
                throw ServiceError(.notConfigured, "--to webhook:\(WebhookURLPolicy.redacted(url)): \(error)")
            }
        }
        if targets.contains(where: { if case .folder = $0 { true } else { false } }), record.state != .completed {
            throw ServiceError(
                .conflict, "batch \(id) is \(record.state.rawValue); only a completed batch is exported to a folder")
        }
        let context = try await self.context(of: id)
        do {
            var outcome = ExportOutcome()
            // Endpoints this export sends to: its outcome is about them, not the campaign's own webhooks.
            var registered = Set<Int64>()
            let delivery = try await DeliveryBatch.load(
                batch: id, context: context, dataRoot: configuration.dataRoot, from: store)
            for target in targets {
                switch target {
                case .folder(let root):
                    do {
                        let export = try FolderExporter(root: root).export(delivery)
                        outcome.exports.append(export)
                        events?.yield(.exported(directory: export.directory, files: export.files, bytes: export.bytes))
                        try await announce(export, of: record, with: sender)
                    } catch let error as ExportError {
                        outcome.failures.append(error)
                        events?.yield(.exportFailed(message: error.description))
                    }
                case .webhook(let url, let secretEnv, let kinds):
                    let endpoint = try await store.register(
                        batch: id,
                        [.init(url: url, secretEnv: secretEnv, events: kinds.map(\.rawValue), origin: .export)],
                        now: Date()
                    ).first { $0.url == url && $0.origin == .export }
                    guard let endpoint else { continue }
                    registered.insert(endpoint.id)
                    try await sender.replay(
                        record, to: endpoint, context: context, manifest: Manifest(delivery), manifestPath: nil)
                }
            }
            if try await !store.messages(batch: id).isEmpty {
                let report = try await drain(id, sender, wait: wait)
                outcome.deliveries = report
                events?.yield(.deliveries(report))
            }
            outcome.requested = try await deliveryReport(id, endpoints: registered)
            return outcome
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .wrapping(error)
        }
    }

    /// A batch's webhook endpoints, messages and every attempt, oldest first.
    public struct DeliveryLog: Sendable {
        public var endpoints: [WebhookEndpoint]
        public var messages: [WebhookMessage]
        /// Attempts by message id, in order.
        public var attempts: [String: [WebhookAttempt]]
    }

    /// The delivery log of batch `id`.
    public func deliveryLog(_ id: String) async throws(ServiceError) -> DeliveryLog {
        _ = try await batch(id)
        do {
            return DeliveryLog(
                endpoints: try await store.endpoints(batch: id), messages: try await store.messages(batch: id),
                attempts: Dictionary(grouping: try await store.attempts(batch: id), by: \.messageID))
        } catch {
            throw .wrapping(error)
        }
    }

    /// Sends batch `id`'s messages that are due now (announcing creatives finished since), waiting up to `wait`
    /// seconds for retries.
    public func sendDeliveries(_ id: String, wait: Double? = nil) async throws(ServiceError) -> DeliveryReport {
        _ = try await batch(id)
        let sender = delivery
        do {
            if let context = try? await context(of: id) {
                try await sender.announceCreatives(batch: id, context: context)
            }
            return try await drain(id, sender, wait: wait)
        } catch {
            throw .wrapping(error)
        }
    }

    /// Puts batch `id`'s failed and skipped webhook messages back in the queue, due now, with the same `webhook-id`s
    /// and payloads (a receiver that was down gets them; one that dedupes sees nothing twice). The delivery loop sends
    /// them. Returns how many were queued again.
    public func retryDeliveries(_ id: String) async throws(ServiceError) -> Int {
        do {
            let given = try await store.messages(batch: id).filter { $0.state == .failed || $0.state == .skipped }
            guard !given.isEmpty else { return 0 }
            try await store.enqueue(given, announcing: [], batch: id, announcingBatch: false, reviving: true)
            return given.count
        } catch {
            throw .wrapping(error)
        }
    }
}
