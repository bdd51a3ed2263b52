import AdgenCore
import Foundation

extension BatchService {
    /// A submitted batch.
    public struct Submission: Sendable {
        /// The batch as stored.
        public var batch: Batch
        /// False when a batch with the same idempotency key was there already (it is returned, nothing is added).
        public var created: Bool
        public var context: BatchContext
    }

    /// Submits the batch of `context`: checks first that its provider is set up (credentials) and that its webhooks
    /// may be called and have their secrets — so nothing is stored or paid for when they are not — then stores the
    /// batch with every creative and subscribes its webhooks. With an `idempotencyKey` already used, that batch is
    /// returned instead (`created` false).
    ///
    /// A server submits for a `tenant`: its idempotency keys are its own, and the same key with a request of another
    /// `requestDigest` is a `conflict`.
    public func submit(
        _ context: BatchContext, idempotencyKey: String?, tenant: String? = nil, requestDigest: String? = nil,
        now: Date
    ) async throws(ServiceError) -> Submission {
        try checkSetup(of: context)
        let submitted: (batch: Batch, created: Bool)
        do {
            submitted = try await BatchSubmitter().submit(
                context, to: store, idempotencyKey: idempotencyKey.map { key in tenant.map { "\($0):\(key)" } ?? key },
                tenant: tenant, requestDigest: requestDigest, now: now)
        } catch {
            throw .wrapping(error)
        }
        if !submitted.created, submitted.batch.requestDigest != requestDigest {
            throw ServiceError(
                .conflict,
                "the Idempotency-Key was used for batch \(submitted.batch.id) with another request; use a new key for a new batch"
            )
        }
        // A server's upload folder is removed once the batch is stored: its batches load from their snapshots.
        if tenant == nil { contexts[submitted.batch.id] = context }
        try await registerWebhooks(of: context, batch: submitted.batch.id, now: now)
        return Submission(batch: submitted.batch, created: submitted.created, context: context)
    }

    /// What must hold before a batch of `context` is submitted or resumed: its provider and background removers are
    /// set up (`notConfigured` naming the missing variable otherwise), each webhook URL is allowed (`badRequest`) and
    /// each webhook's secret variable is set and well formed (`notConfigured`).
    public func checkSetup(of context: BatchContext) throws(ServiceError) {
        let campaign = context.campaign
        do {
            _ = try providers.backgroundRemovers(for: campaign)
            _ = try providers.provider(for: campaign)
        } catch {
            throw ServiceError(.notConfigured, "\(campaign.file): \(error.description)")
        }
        let delivery = delivery
        for case .webhook(let url, let secretEnv, _) in campaign.export {
            do {
                _ = try delivery.configuration.policy.check(url)
            } catch {
                throw ServiceError(.badRequest, "\(campaign.file): export webhook: \(error)")
            }
            do {
                _ = try WebhookSecret.fromEnvironment(
                    secretEnv ?? Self.defaultSecretEnv, delivery.configuration.environment)
            } catch {
                throw ServiceError(
                    .notConfigured, "\(campaign.file): export webhook \(WebhookURLPolicy.redacted(url)): \(error)")
            }
        }
    }

    /// The secret's variable when a webhook names none.
    public static let defaultSecretEnv = "ADGEN_WEBHOOK_SECRET"

    /// Subscribes the campaign's webhooks to `batch` (once; again is harmless).
    func registerWebhooks(of context: BatchContext, batch: String, now: Date) async throws(ServiceError) {
        let registrations = context.campaign.export.compactMap { target -> WebhookEndpoint.Registration? in
            guard case .webhook(let url, let secretEnv, let events) = target else { return nil }
            return .init(
                url: url, secretEnv: secretEnv ?? Self.defaultSecretEnv, events: events.map(\.rawValue),
                origin: .campaign)
        }
        guard !registrations.isEmpty else { return }
        do {
            try await store.register(batch: batch, registrations, now: now)
        } catch {
            throw .wrapping(error)
        }
    }

    /// The webhook sender as the operator configured it: the retry schedule from `adgen.yaml`, http and private
    /// addresses only when the environment or `adgen.yaml` allows them.
    var delivery: WebhookDelivery {
        let environment = configuration.environment
        let settings = configuration.settings.webhooks
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
}
