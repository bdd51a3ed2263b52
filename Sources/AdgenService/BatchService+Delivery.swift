import AdgenCore
import Foundation

extension BatchService {
    /// What delivering a batch came to.
    struct Delivered: Sendable {
        var exports: [FolderExport] = []
        var failures: [ExportError] = []
        var report: DeliveryReport?
    }

    /// After a run: writes the folder exports, announces the last creatives, `batch.completed` and `export.ready`,
    /// then sends, waiting up to the delivery wait for retries. A failed export is reported, not thrown: everything
    /// else is still done.
    func deliver(
        _ batch: Batch, context: BatchContext, folders: [String], wait: Double?,
        events: AsyncStream<BatchEvent>.Continuation?
    ) async throws -> Delivered {
        var delivered = Delivered()
        // Read from the store once, when first needed.
        var cached: DeliveryBatch?
        func loaded() async throws -> DeliveryBatch {
            if let cached { return cached }
            let delivery = try await DeliveryBatch.load(
                batch: batch.id, context: context, dataRoot: configuration.dataRoot, from: store)
            cached = delivery
            return delivery
        }
        for folder in folders {
            do {
                let export = try FolderExporter(root: folder).export(try await loaded())
                delivered.exports.append(export)
                events?.yield(.exported(directory: export.directory, files: export.files, bytes: export.bytes))
            } catch let error as ExportError {
                delivered.failures.append(error)
                events?.yield(.exportFailed(message: error.description))
            }
        }
        let endpoints = try await store.endpoints(batch: batch.id)
        guard !endpoints.isEmpty else { return delivered }
        let sender = delivery
        try await sender.announceCreatives(batch: batch.id, context: context)
        if batch.state.isFinished {
            let delivery = try await loaded()
            try await sender.announceBatch(
                batch, manifest: Manifest(delivery),
                manifestPath: delivered.exports.first.map { "\($0.directory)/manifest.json" },
                dropped: delivery.creatives.filter { $0.dropped != nil }.count)
        }
        for export in delivered.exports { try await announce(export, of: batch, with: sender) }
        let report = try await drain(batch.id, sender, wait: wait)
        delivered.report = report
        events?.yield(.deliveries(report))
        return delivered
    }

    /// Adds `export.ready` for a folder export, with the SHA-256 of the `manifest.json` it wrote.
    func announce(_ export: FolderExport, of batch: Batch, with sender: WebhookDelivery) async throws {
        try await sender.announceExport(
            batch, path: export.directory, files: export.files, bytes: export.bytes,
            manifestSHA256: export.manifestSHA256)
    }

    /// Sends what is due for `batch`, waiting up to `wait` seconds (default: the configured wait) for retries.
    func drain(_ id: String, _ sender: WebhookDelivery, wait: Double?) async throws -> DeliveryReport {
        let seconds = wait ?? configuration.settings.webhooks.waitSeconds ?? 60
        let (tally, _) = try await sender.drain(batch: id, until: Date().addingTimeInterval(seconds))
        logger.debug("webhook delivery", metadata: ["adgen.batch": "\(id)", "adgen.attempts": "\(tally.attempts)"])
        return try await deliveryReport(id)
    }

    /// Where batch `id`'s webhook messages stand, per endpoint.
    public func deliveryReport(_ id: String, endpoints only: Set<Int64>? = nil) async throws -> DeliveryReport {
        let endpoints = try await store.endpoints(batch: id).filter { only?.contains($0.id) ?? true }
        let messages = try await store.messages(batch: id)
        let byEndpoint = Dictionary(grouping: messages, by: \.endpointID)
        let next = endpoints.isEmpty ? nil : try await store.nextDelivery(batch: id)
        return DeliveryReport(
            batch: id,
            endpoints: endpoints.map { endpoint in
                let own = byEndpoint[endpoint.id] ?? []
                return DeliveryReport.Endpoint(
                    url: WebhookURLPolicy.redacted(endpoint.url),
                    delivered: own.filter { $0.state == .delivered }.count,
                    pending: own.filter { $0.state == .pending }.count,
                    failed: own.filter { $0.state == .failed || $0.state == .skipped }.count,
                    disabledReason: endpoint.disabledReason)
            },
            nextAttemptAt: next)
    }
}
