import AdgenCore
import AdgenService
import Foundation
import Logging
import Synchronization

/// What every route of one server shares: the service, the keys, the workers, the event hubs, the limits.
final class ServerState: Sendable {
    let service: BatchService
    let configuration: ServerConfiguration
    let keys: APIKeys
    let views: ViewTokens
    let representations: Representations
    let workers: BatchWorkers
    let deliveries: DeliveryLoop
    let hubs = EventHubs()
    let metrics: ServerMetrics
    let rates: RateLimiter
    let logger: Logger
    /// Batches read recently, and the store reads in flight: a running batch's counts are at most `batchTTL` old,
    /// a finished batch's are final, and however many requests ask at once, one reads the store (the others get the
    /// counts as they were, or wait for that read when there are none yet).
    private let recent = Mutex<
        (entries: [String: (batch: Batch, read: ContinuousClock.Instant)], reads: [String: Task<Batch, any Error>])
    >(([:], [:]))
    let batchTTL: Duration = .milliseconds(200)

    init(service: BatchService, configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger) {
        self.service = service
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        keys = APIKeys(keys: configuration.apiKeys, digests: configuration.apiKeyDigests)
        views = ViewTokens(
            secret: configuration.viewSecret ?? (0..<32).map { _ in UInt8.random(in: .min ... .max) })
        representations = Representations(views: views)
        rates = RateLimiter(perSecond: configuration.limits.requestsPerSecond)
        let dataRoot = service.configuration.dataRoot
        workers = BatchWorkers(
            service: service, count: configuration.workers, poll: configuration.workerPoll,
            grace: configuration.grace, logger: logger,
            exportRoot: { tenant in Self.exportRoot(tenant, dataRoot: dataRoot) })
        deliveries = DeliveryLoop(service: service, interval: configuration.deliveryInterval, logger: logger)
    }

    /// Where the server exports a tenant's batches (their manifests and packs, which the API serves).
    static func exportRoot(_ tenant: String, dataRoot: DataRoot) -> String {
        "\(dataRoot.path)/\(DataRoot.tenantFolder(tenant))/served"
    }

    /// The export folder of `batch`.
    func exportDirectory(of batch: Batch) -> String? {
        guard let tenant = batch.tenant else { return nil }
        return FolderExporter.directory(
            root: Self.exportRoot(tenant, dataRoot: service.configuration.dataRoot), campaign: batch.campaign,
            batch: batch.id)
    }

    /// Batch `id` of `tenant`, read from the store at most every `batchTTL` while it runs.
    func batch(_ id: String, tenant: String) async throws(ServiceError) -> Batch {
        enum Answer {
            case cached(Batch)
            case read(Task<Batch, any Error>)
        }
        let now = ContinuousClock.now
        let answer = recent.withLock { state -> Answer in
            let entry = state.entries[id]
            if let entry, entry.batch.state.isFinished || now - entry.read < batchTTL { return .cached(entry.batch) }
            if let reading = state.reads[id] { return entry.map { .cached($0.batch) } ?? .read(reading) }
            let reading = Task { [service] in try await service.batch(id) }
            state.reads[id] = reading
            return .read(reading)
        }
        let batch: Batch
        switch answer {
        case .cached(let cached):
            batch = cached
        case .read(let reading):
            let result = await reading.result
            recent.withLock { state in
                state.reads[id] = nil
                if case .success(let read) = result {
                    if state.entries.count > 50_000 { state.entries.removeAll(keepingCapacity: true) }
                    state.entries[id] = (presented(read), now)
                }
            }
            switch result {
            case .success(let read): batch = presented(read)
            case .failure(let error as ServiceError): throw error
            case .failure: throw ServiceError.noSuchBatch(id)
            }
        }
        guard batch.tenant == tenant else { throw ServiceError.noSuchBatch(id) }
        return batch
    }

    /// A batch as the API shows it: one the store has finished but whose run here is still writing its exports and
    /// announcing it is still `finalizing`, so a client that sees `completed` finds the manifest and packs.
    func presented(_ batch: Batch) -> Batch {
        guard batch.state.isFinished, workers.isWorking(on: batch.id) else { return batch }
        var shown = batch
        shown.state = .finalizing
        shown.finishedAt = nil
        return shown
    }

    /// Refuses a batch its key may not add now: too many of the key's batches are queued or running.
    func admit(_ context: BatchContext, tenant: String) async throws(APIError) {
        let limit = configuration.limits.activeBatchesPerKey
        let active: Int
        do {
            active = try await service.batches(
                BatchQuery(
                    tenant: .tenant(tenant), states: [.validating, .queued, .inProgress, .finalizing], after: nil,
                    limit: limit)
            ).batches.count
        } catch {
            throw APIError(error)
        }
        if active >= limit {
            throw APIError(
                status: .tooManyRequests, code: "limit_exceeded",
                message: "this key has \(active) batches queued or running, the most it may; wait for one to finish",
                headers: [.retryAfter: "30"])
        }
    }
}

/// Requests per second per key: a token bucket each, `2 × perSecond` deep (at least 1).
final class RateLimiter: Sendable {
    let perSecond: Double
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(perSecond: Double) {
        self.perSecond = perSecond
    }

    /// Takes a token for `key`; when none is left, the seconds until one is.
    func take(_ key: String) -> Double? {
        guard perSecond > 0 else { return nil }
        let now = ContinuousClock.now
        let depth = max(1, perSecond * 2)
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? (depth, now)
            let elapsed = now - bucket.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(depth, bucket.tokens + seconds * perSecond)
            bucket.at = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / perSecond
        }
    }
}
