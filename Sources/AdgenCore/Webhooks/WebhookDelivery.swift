import Foundation
import Logging
import Metrics

/// Turns a batch's results into webhook messages in the outbox, and sends what is due: signed (Standard
/// Webhooks), retried on the schedule, at least once, with the same `webhook-id` on every attempt.
public struct WebhookDelivery: Sendable {
    /// How messages are sent.
    public struct Configuration: Sendable {
        /// When failed attempts are tried again, and for how long.
        public var schedule = DeliverySchedule()
        /// Which URLs may be called (https, public addresses, unless the operator allows more).
        public var policy = WebhookURLPolicy()
        /// Timeout and response cap.
        public var sender = WebhookSender.Configuration()
        /// Where secrets are read from (by the variable each endpoint names).
        public var environment: [String: String] = [:]
        /// Messages sent at once.
        public var concurrency = 8
        /// How long a process holds a message it is sending.
        public var lease: TimeInterval = 60
        /// Who holds the leases (`host/pid`).
        public var owner = ProcessIdentity.current

        /// Creates a configuration.
        public init() {}
    }

    /// What a round of sending came to.
    public struct Tally: Sendable, Equatable {
        public var delivered = 0
        public var retrying = 0
        public var failed = 0
        public var disabled = 0

        /// Attempts made.
        public var attempts: Int { delivered + retrying + failed + disabled }
    }

    public var configuration: Configuration
    let store: any BatchStore
    let logger: Logger

    /// Creates a delivery over `store`.
    public init(configuration: Configuration, store: any BatchStore, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
    }

    // MARK: Announcing

    /// Adds a `creative.completed` or `creative.failed` message, per subscribed endpoint, for every creative of
    /// `batch` that finished since the last call. Returns the number of creatives announced.
    @discardableResult
    public func announceCreatives(batch: String, context: BatchContext, now: Date = Date()) async throws -> Int {
        var announced = 0
        while true {
            let creatives = try await store.unannouncedCreatives(batch: batch, limit: 500)
            if creatives.isEmpty { return announced }
            let endpoints = try await store.endpoints(batch: batch)
            var messages = [WebhookMessage]()
            for creative in creatives {
                let (kind, payload) = try WebhookEvent.creative(creative, context: context, at: now)
                for endpoint in endpoints where endpoint.wants(kind) {
                    messages.append(
                        WebhookMessage(
                            id: WebhookMessage.id(endpoint: endpoint.id, type: kind, subject: creative.id),
                            endpointID: endpoint.id, batchID: batch, type: kind, payload: payload, now: now))
                }
            }
            try await store.enqueue(
                messages, announcing: creatives.map(\.id), batch: batch, announcingBatch: false, reviving: false)
            announced += creatives.count
        }
    }

    /// Adds the `batch.completed` message for every subscribed endpoint, once the batch is finished; does
    /// nothing when it was announced already.
    public func announceBatch(
        _ batch: Batch, manifest: (some Encodable)?, manifestPath: String?, dropped: Int, now: Date = Date()
    ) async throws {
        guard try await store.batchUnannounced(batch.id) else { return }
        let payload = try WebhookEvent.batchCompleted(
            batch, manifest: manifest, manifestPath: manifestPath, dropped: dropped, at: now)
        let messages = try await store.endpoints(batch: batch.id).filter { $0.wants(.batchCompleted) }.map {
            WebhookMessage(
                id: WebhookMessage.id(endpoint: $0.id, type: .batchCompleted, subject: batch.id), endpointID: $0.id,
                batchID: batch.id, type: .batchCompleted, payload: payload, now: now)
        }
        try await store.enqueue(messages, announcing: [], batch: batch.id, announcingBatch: true, reviving: false)
    }

    /// Adds an `export.ready` message for every subscribed endpoint. The same export (path and manifest) is
    /// announced once.
    public func announceExport(
        _ batch: Batch, path: String, files: Int, bytes: Int, manifestSHA256: String, now: Date = Date()
    ) async throws {
        let payload = try WebhookEvent.exportReady(
            batch: batch, path: path, files: files, bytes: bytes, manifestSHA256: manifestSHA256, at: now)
        let messages = try await store.endpoints(batch: batch.id).filter { $0.wants(.exportReady) }.map {
            WebhookMessage(
                id: WebhookMessage.id(endpoint: $0.id, type: .exportReady, subject: "\(path)\u{0}\(manifestSHA256)"),
                endpointID: $0.id, batchID: batch.id, type: .exportReady, payload: payload, now: now)
        }
        try await store.enqueue(messages, announcing: [], batch: batch.id, announcingBatch: false, reviving: false)
    }

    /// Adds, for one endpoint, every event a batch has had so far: each finished creative, then `batch.completed`
    /// when the batch is finished (`adgen export --to webhook:URL`, sending again). The ids are the endpoint's own,
    /// so sending again to a new endpoint makes new messages; to the same one, what was delivered is not sent twice
    /// and what was given up or skipped is tried again.
    public func replay(
        _ batch: Batch, to endpoint: WebhookEndpoint, context: BatchContext, manifest: (some Encodable)?,
        manifestPath: String?, now: Date = Date()
    ) async throws {
        // Read again: the batch may have finished since the caller looked (its own batch.completed gone out to the
        // endpoints subscribed then, not to this one).
        let batch = try await store.batch(id: batch.id) ?? batch
        var messages = [WebhookMessage]()
        let creatives = try await store.creatives(batch: batch.id)
        for creative in creatives where creative.state == .succeeded || creative.state == .failed {
            let (kind, payload) = try WebhookEvent.creative(creative, context: context, at: now)
            guard endpoint.wants(kind) else { continue }
            messages.append(
                WebhookMessage(
                    id: WebhookMessage.id(endpoint: endpoint.id, type: kind, subject: creative.id),
                    endpointID: endpoint.id, batchID: batch.id, type: kind, payload: payload, now: now))
        }
        if batch.state.isFinished && endpoint.wants(.batchCompleted) {
            let payload = try WebhookEvent.batchCompleted(
                batch, manifest: manifest, manifestPath: manifestPath,
                dropped: creatives.filter { $0.dropped != nil }.count, at: now)
            messages.append(
                WebhookMessage(
                    id: WebhookMessage.id(endpoint: endpoint.id, type: .batchCompleted, subject: batch.id),
                    endpointID: endpoint.id, batchID: batch.id, type: .batchCompleted, payload: payload, now: now))
        }
        try await store.enqueue(messages, announcing: [], batch: batch.id, announcingBatch: false, reviving: true)
    }

    // MARK: Sending

    /// Sends every message that is due now (of `batch`, or of every batch), each once; failures are scheduled again.
    @discardableResult
    public func sendDue(batch: String?) async throws -> Tally {
        var tally = Tally()
        var endpoints = [String: [Int64: WebhookEndpoint]]()
        while true {
            let now = Date()
            let messages = try await store.claimMessages(
                batch: batch, owner: configuration.owner, limit: configuration.concurrency, now: now,
                leaseUntil: now.addingTimeInterval(configuration.lease))
            if messages.isEmpty { return tally }
            for message in messages where endpoints[message.batchID]?[message.endpointID] == nil {
                endpoints[message.batchID] = Dictionary(
                    uniqueKeysWithValues: try await store.endpoints(batch: message.batchID).map { ($0.id, $0) })
            }
            let known = endpoints
            try await withThrowingTaskGroup(of: (WebhookMessage.State?, Int64).self) { group in
                var next = messages.makeIterator()
                // An endpoint that answered 410 in this round gets nothing more (its messages are skipped already).
                var gone = Set<Int64>()
                func add() -> Bool {
                    while let message = next.next() {
                        guard !gone.contains(message.endpointID) else { continue }
                        group.addTask {
                            guard let endpoint = known[message.batchID]?[message.endpointID] else {
                                return (nil, message.endpointID)
                            }
                            return (try await send(message, to: endpoint), message.endpointID)
                        }
                        return true
                    }
                    return false
                }
                for _ in 0..<configuration.concurrency where !add() { break }
                while let (state, endpoint) = try await group.next() {
                    switch state {
                    case .delivered: tally.delivered += 1
                    case .pending: tally.retrying += 1
                    case .failed: tally.failed += 1
                    case .skipped:
                        tally.disabled += 1
                        gone.insert(endpoint)
                    case nil: break
                    }
                    _ = add()
                }
            }
            // An endpoint disabled in this round: read them again.
            if tally.disabled > 0 { endpoints = [:] }
        }
    }

    /// Takes back the messages of `batch` leased by processes of this host that died (`kill -9`) before sending
    /// them: they are due again at once, under the same ids.
    public func recoverAbandoned(batch: String?) async throws {
        for owner in try await store.messageLeaseOwners(batch: batch) where ProcessIdentity.isDeadOnThisHost(owner) {
            try await store.releaseMessages(owner: owner)
        }
    }

    /// Sends due messages until nothing of `batch` is pending, or the next attempt would start after `deadline`.
    /// Returns what is still pending then.
    public func drain(batch: String, until deadline: Date) async throws -> (tally: Tally, pending: Int) {
        var total = Tally()
        // Messages this process leased in a round that was stopped (the batch ended under it) are due again now.
        try await store.releaseMessages(owner: configuration.owner)
        try await recoverAbandoned(batch: batch)
        while !Task.isCancelled {
            let round = try await sendDue(batch: batch)
            total.delivered += round.delivered
            total.retrying += round.retrying
            total.failed += round.failed
            total.disabled += round.disabled
            guard let next = try await store.nextDelivery(batch: batch), next <= deadline else { break }
            let wait = max(next.timeIntervalSinceNow, round.attempts == 0 ? 0.05 : 0)
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int((min(wait, 1) * 1000).rounded(.up)))) }
        }
        let pending = try await store.messages(batch: batch).filter { $0.state == .pending }.count
        return (total, pending)
    }

    /// One attempt at `message`, recorded with the state it leaves the message in.
    func send(_ message: WebhookMessage, to endpoint: WebhookEndpoint) async throws -> WebhookMessage.State {
        let started = Date()
        let number = message.attempts + 1
        let response: WebhookResponse
        do {
            let secrets = try WebhookSecret.fromEnvironment(endpoint.secretEnv, configuration.environment)
            let headers = WebhookSigner(secrets: secrets).headers(
                id: message.id, timestamp: Int64(started.timeIntervalSince1970), body: message.payload)
            let sender = WebhookSender(policy: configuration.policy, configuration: configuration.sender)
            response = await sender.send(url: endpoint.url, headers: headers, body: message.payload)
        } catch {
            // No secret to sign with: not sent, and tried again on the schedule once the variable is set.
            response = WebhookResponse(
                outcome: .failed, status: nil, error: "\(error)", retryAfter: nil, duration: .zero, responseExcerpt: "")
        }
        let attempt = WebhookAttempt(
            messageID: message.id, number: number, startedAt: started,
            durationMilliseconds: Int(response.duration.components.seconds * 1000)
                + Int(response.duration.components.attoseconds / 1_000_000_000_000_000),
            status: response.status, outcome: "\(response.outcome)", error: response.error,
            responseExcerpt: response.responseExcerpt)
        Counter(label: "adgen_webhook_attempts_total", dimensions: [("outcome", "\(response.outcome)")]).increment()
        Metrics.Timer(label: "adgen_webhook_attempt_duration_seconds").recordNanoseconds(
            response.duration.components.seconds * 1_000_000_000 + response.duration.components.attoseconds
                / 1_000_000_000)
        var metadata: Logger.Metadata = [
            "adgen.batch": "\(message.batchID)", "adgen.webhook": "\(message.id)", "adgen.event": "\(message.type)",
            "adgen.attempt": "\(number)",
        ]
        if let status = response.status { metadata["http.status"] = "\(status)" }
        switch response.outcome {
        case .delivered:
            try await store.record(attempt, state: .delivered, nextAttemptAt: nil)
            logger.debug("webhook delivered", metadata: metadata)
            return .delivered
        case .gone:
            try await store.record(attempt, state: .skipped, nextAttemptAt: nil)
            try await store.disable(
                endpoint: endpoint.id, reason: "the receiver answered 410 Gone: endpoint disabled", now: Date())
            logger.warning("webhook endpoint disabled (410 Gone)", metadata: metadata)
            return .skipped
        case .refused:
            try await store.record(attempt, state: .failed, nextAttemptAt: nil)
            logger.warning("webhook URL refused: \(response.error ?? "")", metadata: metadata)
            return .failed
        case .failed:
            let now = Date()
            let next = configuration.schedule.nextAttempt(
                afterAttempts: number, firstAttempt: message.createdAt, now: now, retryAfter: response.retryAfter,
                random: Double.random(in: 0..<1))
            try await store.record(attempt, state: next == nil ? .failed : .pending, nextAttemptAt: next)
            logger.info("webhook attempt failed: \(response.error ?? "")", metadata: metadata)
            return next == nil ? .failed : .pending
        }
    }
}
