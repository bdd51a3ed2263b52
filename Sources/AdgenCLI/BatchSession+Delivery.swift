import AdgenCore
import ArgumentParser
import Foundation

/// Delivery for the batch commands: folder exports and webhook messages.
extension BatchSession {
    /// The webhook sender as the operator configured it: the retry schedule from `adgen.yaml`, http and private
    /// addresses only when the environment or `adgen.yaml` allows them.
    var delivery: WebhookDelivery {
        let environment = ProcessInfo.processInfo.environment
        let settings = configuration.webhooks
        var delivery = WebhookDelivery.Configuration()
        delivery.environment = environment
        var policy = WebhookURLPolicy(environment: environment)
        policy.allowInsecure = policy.allowInsecure || settings.allowInsecure
        policy.allowPrivate = policy.allowPrivate || settings.allowPrivate
        delivery.policy = policy
        if let schedule = settings.retrySchedule {
            delivery.schedule.delays = schedule.map { .milliseconds(Int(($0 * 1000).rounded())) }
        }
        if let age = settings.maxAgeSeconds { delivery.schedule.maxAge = .milliseconds(Int((age * 1000).rounded())) }
        return WebhookDelivery(configuration: delivery, store: store, logger: logger)
    }

    /// How long the batch commands wait for deliveries still being retried before they exit.
    var deliveryWait: TimeInterval { waitOverride ?? configuration.webhooks.waitSeconds ?? 60 }

    /// Checks a campaign's webhooks before anything is submitted: each URL is allowed (https and not private,
    /// unless the operator allows it: exit 65 otherwise), and each secret variable is set and well formed (exit 78).
    func checkWebhooks(of campaign: Campaign) throws {
        for case .webhook(let url, let secretEnv, _) in campaign.export {
            do {
                _ = try delivery.configuration.policy.check(url)
            } catch {
                say("adgen: \(campaign.file): export webhook: \(error)")
                throw Exit.badInput
            }
            let name = secretEnv ?? Self.defaultSecretEnv
            do {
                _ = try WebhookSecret.fromEnvironment(name, delivery.configuration.environment)
            } catch {
                say("adgen: \(campaign.file): export webhook \(WebhookURLPolicy.redacted(url)): \(error)")
                throw Exit.notConfigured
            }
        }
    }

    /// The secret's variable when a webhook names none.
    static let defaultSecretEnv = "ADGEN_WEBHOOK_SECRET"

    /// Subscribes the campaign's webhooks to `batch` (once; again is harmless).
    func registerWebhooks(of campaign: Campaign, batch: String) async throws {
        let registrations = campaign.export.compactMap { target -> WebhookEndpoint.Registration? in
            guard case .webhook(let url, let secretEnv, let events) = target else { return nil }
            return .init(
                url: url, secretEnv: secretEnv ?? Self.defaultSecretEnv, events: events.map(\.rawValue),
                origin: .campaign)
        }
        if !registrations.isEmpty { try await store.register(batch: batch, registrations, now: Date()) }
    }

    /// While a batch runs: announces each creative as it finishes and sends what is due, every half second, until
    /// `done` is set (a round in progress is finished first) or the task is cancelled. Delivery problems never stop
    /// the batch; they are logged and retried.
    func deliverWhileRunning(_ batchID: String, until done: DoneSignal) async {
        guard let endpoints = try? await store.endpoints(batch: batchID), !endpoints.isEmpty,
            let campaign = try? await runner(useCache: true).campaign(of: batchID)
        else { return }
        let delivery = delivery
        try? await delivery.recoverAbandoned(batch: batchID)
        while !Task.isCancelled && !done.isSet {
            do {
                try await delivery.announceCreatives(batch: batchID, campaign: campaign)
                try await delivery.sendDue(batch: batchID)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("webhook delivery: \(error)", metadata: ["adgen.batch": "\(batchID)"])
            }
            for _ in 0..<5 where !done.isSet { try? await Task.sleep(for: .milliseconds(100)) }
        }
    }

    /// After a batch: writes the folder exports (the campaign's and `--out`), announces the last creatives,
    /// `batch.completed` and `export.ready`, then sends, waiting up to `deliveryWait` for retries. When an export
    /// failed, throws (after everything else was done) `Exit.cannotCreate` for a folder that cannot be written, or
    /// `Exit.badInput` for a creative's file missing or changed on disk.
    func deliver(_ batch: Batch, out: String?) async throws {
        let campaign = try await runner(useCache: true).campaign(of: batch.id)
        let folders =
            batch.state == .completed
            ? campaign.export.compactMap { target -> String? in
                if case .folder(let path) = target { return path }
                return nil
            } + (out.map { [$0] } ?? []) : []
        // Read from the store once, when first needed.
        var cached: DeliveryBatch?
        func loaded() async throws -> DeliveryBatch {
            if let cached { return cached }
            let delivery = try await DeliveryBatch.load(batch: batch.id, from: store)
            cached = delivery
            return delivery
        }
        var exported = [FolderExport]()
        var exportFailure: ExitCode?
        for folder in folders {
            do {
                let export = try FolderExporter(root: folder).export(try await loaded())
                exported.append(export)
                say("exported to \(export.directory)")
            } catch let error as ExportError {
                say("adgen: export: \(error.description)")
                exportFailure = BatchSession.exitCode(for: error)
            }
        }
        let endpoints = try await store.endpoints(batch: batch.id)
        if !endpoints.isEmpty {
            let sender = self.delivery
            try await sender.announceCreatives(batch: batch.id, campaign: campaign)
            if batch.state.isFinished {
                let delivery = try await loaded()
                try await sender.announceBatch(
                    batch, manifest: Manifest(delivery),
                    manifestPath: exported.first.map { "\($0.directory)/manifest.json" },
                    dropped: delivery.creatives.filter { $0.dropped != nil }.count)
            }
            for export in exported { try await announce(export, of: batch, with: sender) }
            try await drain(batch.id, sender)
        }
        if let exportFailure { throw exportFailure }
    }

    /// Adds `export.ready` for a folder export, with the SHA-256 of the `manifest.json` it wrote.
    func announce(_ export: FolderExport, of batch: Batch, with sender: WebhookDelivery) async throws {
        let manifest = FileManager.default.contents(atPath: "\(export.directory)/manifest.json") ?? Data()
        try await sender.announceExport(
            batch, path: export.directory, files: export.files, bytes: export.bytes,
            manifestSHA256: Digest.sha256(Array(manifest)))
    }

    /// Sends what is due for `batch`, waiting up to `deliveryWait` for retries, and says what is left.
    func drain(_ batchID: String, _ sender: WebhookDelivery) async throws {
        let (tally, pending) = try await sender.drain(
            batch: batchID, until: Date().addingTimeInterval(deliveryWait))
        let messages = try await store.messages(batch: batchID)
        let delivered = messages.filter { $0.state == .delivered }.count
        let failed = messages.filter { $0.state == .failed || $0.state == .skipped }.count
        if pending > 0 || failed > 0 || interactive {
            var line = "webhooks: \(delivered) delivered"
            if pending > 0 {
                let next = try await store.nextDelivery(batch: batchID)
                line += ", \(pending) still retrying"
                if let next { line += " (next attempt in \(max(0, Int(next.timeIntervalSinceNow.rounded(.up)))) s)" }
            }
            if failed > 0 { line += ", \(failed) given up" }
            say(line + " · `adgen deliveries \(batchID)` shows every attempt")
        }
        logger.debug("webhook delivery", metadata: ["adgen.attempts": "\(tally.attempts)"])
    }
}

extension BatchSession {
    /// The exit code of a failed folder export: 73 a folder that cannot be written; 65 a creative's file missing or
    /// changed on disk (`adgen resume` or restoring it fixes that); 70 anything else.
    static func exitCode(for error: ExportError) -> ExitCode {
        if error == .unwritable || error == .outsideRoot { return Exit.cannotCreate }
        if error == .missingSource || error == .changedSource || error == .noSuchBatch { return Exit.badInput }
        return Exit.internalError
    }
}

extension Exit {
    /// A folder export could not be written; the results stay in the store for `adgen export`.
    static let cannotCreate = ExitCode(73)
}
