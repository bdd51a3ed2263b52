import Foundation

/// Durable state of batches, their generations (jobs) and creatives. Every method is one transaction: a
/// process killed at any moment leaves the store as it was before or after the call, never between.
public protocol JobStore: Sendable {
    /// Submits a batch with every creative of `plan`, in one transaction: a job per distinct key, each creative
    /// made from its job. `plan` is iterated once, inside the transaction, so a lazy plan of any size is submitted in
    /// bounded memory. A batch already submitted with the same idempotency key is returned instead
    /// (`created == false`) and `plan` is not read. Keys are one namespace for the whole store, every tenant's: a
    /// front end serving tenants compares the returned batch's `tenant` (and `requestDigest`) with the request's.
    func submit<Plan: Sequence & Sendable>(_ header: BatchHeader, plan: Plan) async throws -> (
        batch: Batch, created: Bool
    )
    where Plan.Element == PlannedCreative

    /// The batch with `id`, with its current counts and cost.
    func batch(id: String) async throws -> Batch?

    /// A page of batches matching `query`, newest first (by creation time, then id, both descending), in one read
    /// transaction. The page's `next` cursor, given back as `query.after`, continues after its last batch; it is nil
    /// on the last page.
    func batches(_ query: BatchQuery) async throws -> BatchPage

    /// The campaign a batch was submitted with, as it was then.
    func campaignSource(batch: String) async throws -> CampaignSource

    /// Moves a batch to `state` (with a reason for failed, cancelled or paused batches).
    func setState(batch: String, _ state: Batch.State, reason: String?, now: Date) async throws

    /// Leases up to `limit` jobs of `batch` that may start now (pending and due, or running with an expired
    /// lease), oldest first, to `owner` until `leaseUntil`; counts an attempt for each.
    func claim(batch: String, owner: String, limit: Int, now: Date, leaseUntil: Date) async throws -> [GenerationJob]

    /// Extends every lease `owner` holds to `until`.
    func renewLeases(owner: String, until: Date) async throws

    /// Gives back the jobs leased by `owners` (dead processes of this host): they are pending again, and the
    /// attempt they were on is not counted.
    func releaseLeases(owners: [String]) async throws -> Int

    /// The owners of running jobs of `batch`.
    func leaseOwners(batch: String) async throws -> [String]

    /// A generation made before with `key`, when its file is recorded.
    func cachedGeneration(key: String) async throws -> CachedGeneration?

    /// Records a fresh generation in the cache and its cost and request id on the job.
    func recordGeneration(_ generation: CachedGeneration, job: Int64, cached: Bool, now: Date) async throws

    /// The creatives to make from a job's image.
    func creatives(job: Int64) async throws -> [CreativeRecord]

    /// Marks a job succeeded with its creatives' results, in one transaction. Only for a job still leased by
    /// `owner`; returns false (and changes nothing) when it is not — another process took it over.
    func complete(job: Int64, owner: String, creatives: [CreativeResult], now: Date) async throws -> Bool

    /// Puts a job back to pending after a retryable failure, not to start before `notBefore`.
    func retry(job: Int64, owner: String, error: String, notBefore: Date, now: Date) async throws

    /// Fails a job and its creatives with `reason`.
    func fail(job: Int64, owner: String, reason: String, now: Date) async throws

    /// Gives a job back (pending, the attempt not counted): the process stops without having finished it.
    func release(job: Int64, owner: String) async throws

    /// Cancels a job and its creatives (budget, user cancel).
    func cancel(job: Int64, reason: String, now: Date) async throws

    /// Cancels every job of `batch` not started yet, and its creatives; running jobs are left to their runner.
    /// With `cancelBatch`, the batch moves to `cancelled` (unless it is finished), and its runners, seeing that,
    /// stop what is in flight.
    func cancelPending(batch: String, reason: String, cancelBatch: Bool, now: Date) async throws

    /// The batch's state alone (cheap: polled while a batch runs).
    func state(batch: String) async throws -> Batch.State?

    /// The earliest moment a job of `batch` may become claimable (a backoff ending, a lease expiring); nil when
    /// nothing is left to run.
    func nextDue(batch: String) async throws -> Date?

    /// Every creative of `batch`.
    func creatives(batch: String) async throws -> [CreativeRecord]

    /// Up to `limit` creatives of `batch` whose id comes after `id` (from the first when nil), by id ascending, in one
    /// read transaction: the next page is asked for after the last id of this one. Only those of size `sizeID` and in
    /// `states`, when given.
    func creatives(
        batch: String, after id: String?, limit: Int, sizeID: String?, states: Set<CreativeRecord.State>?
    ) async throws -> [CreativeRecord]

    /// The creative `id` of `batch`; nil when `batch` has none with that id.
    func creative(batch: String, id: String) async throws -> CreativeRecord?

    /// Up to `limit` creatives of `batch` whose `finishedSequence` is greater than `sequence` (0 for the first), in the
    /// order they reached a final state, in one read transaction. A reader that asks again after the last sequence it
    /// saw misses none and sees none twice, whatever finishes meanwhile.
    func finishedCreatives(batch: String, after sequence: Int64, limit: Int) async throws -> [CreativeRecord]

    /// Every job of `batch`, oldest first.
    func jobs(batch: String) async throws -> [GenerationJob]

    /// The job with row id `id`, when there is one.
    func job(id: Int64) async throws -> GenerationJob?

    /// Stores the batch pass of scoring: each creative's final scorecard and why it was dropped.
    func judge(batch: String, _ verdicts: [CreativeVerdict]) async throws

    /// Closes the store: connections are released and nothing may be asked of it afterwards. Front ends call it once,
    /// when they stop.
    func close() async throws
}

extension JobStore {
    /// The most recent batches of every tenant, newest first.
    public func batches(limit: Int) async throws -> [Batch] {
        try await batches(BatchQuery(limit: limit)).batches
    }
}

/// Everything a front end needs of a store: batches and their jobs, and the webhook outbox beside them. The SQLite
/// store (and the PostgreSQL one) implement both halves.
public typealias BatchStore = JobStore & WebhookOutbox

/// One creative of a batch being submitted, with the generation (job) it is cut from.
public struct PlannedCreative: Sendable {
    /// The job's cache key: creatives with the same key share one generation.
    public var jobKey: String
    public var request: GenerationRequest
    /// The job's aspect family (`1:1`, `9:16` …).
    public var family: String
    /// The creative's id (variant and size).
    public var creativeID: String
    public var variant: StoredVariant
    public var sizeID: String

    /// Creates an entry.
    public init(
        jobKey: String, request: GenerationRequest, family: String, creativeID: String, variant: StoredVariant,
        sizeID: String
    ) {
        self.jobKey = jobKey
        self.request = request
        self.family = family
        self.creativeID = creativeID
        self.variant = variant
        self.sizeID = sizeID
    }
}

/// What a batch is submitted with.
public struct BatchHeader: Sendable {
    public var id: String
    public var campaign: String
    public var provider: String
    public var model: String
    public var source: CampaignSource
    public var idempotencyKey: String?
    public var estimatedCostUSD: Double?
    public var maxCostUSD: Double?
    public var outputDirectory: String
    public var now: Date
    /// Who submitted it through the HTTP service; nil for the CLI's own batches.
    public var tenant: String?
    /// A digest of the request it was submitted with, so that submitting again with the same idempotency key but
    /// another request can be told apart from a retry.
    public var requestDigest: String?

    /// Creates a header.
    public init(
        id: String, campaign: String, provider: String, model: String, source: CampaignSource,
        idempotencyKey: String?, estimatedCostUSD: Double?, maxCostUSD: Double?, outputDirectory: String, now: Date,
        tenant: String? = nil, requestDigest: String? = nil
    ) {
        self.id = id
        self.campaign = campaign
        self.provider = provider
        self.model = model
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.estimatedCostUSD = estimatedCostUSD
        self.maxCostUSD = maxCostUSD
        self.outputDirectory = outputDirectory
        self.now = now
        self.tenant = tenant
        self.requestDigest = requestDigest
    }
}

/// A campaign file as submitted: its bytes, name and the folder its relative paths resolve from; with a snapshot
/// (`CampaignSnapshot`), also every file it references, so it loads the same anywhere.
public struct CampaignSource: Sendable, Codable, Equatable {
    /// A file the campaign references, by its path relative to the snapshot's folder (a folder ends with `/`).
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var bytes: [UInt8]

        /// Creates a file entry.
        public init(path: String, bytes: [UInt8]) {
            self.path = path
            self.bytes = bytes
        }
    }

    public var bytes: [UInt8]
    /// The campaign's name in messages (`FILE:LINE:COL`).
    public var file: String
    /// Where its relative paths resolve: absolute for a file on disk, relative to the snapshot's folder in a
    /// snapshot.
    public var directory: String
    /// The referenced files of a snapshot; empty for a campaign read in place.
    public var files: [File]

    /// Creates a source.
    public init(bytes: [UInt8], file: String, directory: String, files: [File] = []) {
        self.bytes = bytes
        self.file = file
        self.directory = directory
        self.files = files
    }
}

/// A generated image kept for reuse.
public struct CachedGeneration: Sendable, Codable, Equatable {
    /// The request's cache key.
    public var key: String
    public var provider: String
    public var model: String
    /// The image file (absolute).
    public var file: String
    public var width: Int
    public var height: Int
    public var costUSD: Double
    public var providerRequestID: String?

    /// Creates a record.
    public init(
        key: String, provider: String, model: String, file: String, width: Int, height: Int, costUSD: Double,
        providerRequestID: String?
    ) {
        self.key = key
        self.provider = provider
        self.model = model
        self.file = file
        self.width = width
        self.height = height
        self.costUSD = costUSD
        self.providerRequestID = providerRequestID
    }
}

/// How one creative of a job came out.
public struct CreativeResult: Sendable {
    public var id: String
    public var state: CreativeRecord.State
    public var file: String?
    public var bytes: Int?
    public var sha256: String?
    public var format: String?
    public var scorecard: Scorecard?
    public var events: [String]
    /// The layout's boxes by role (`CreativeRecord.boxes`).
    public var boxes: [String: [Int]]?
    public var failure: String?

    /// Creates a result.
    public init(
        id: String, state: CreativeRecord.State, file: String? = nil, bytes: Int? = nil, sha256: String? = nil,
        format: String? = nil, scorecard: Scorecard? = nil, events: [String] = [], boxes: [String: [Int]]? = nil,
        failure: String? = nil
    ) {
        self.boxes = boxes
        self.id = id
        self.state = state
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
        self.format = format
        self.scorecard = scorecard
        self.events = events
        self.failure = failure
    }
}

/// The batch pass's verdict on one creative.
public struct CreativeVerdict: Sendable {
    public var id: String
    public var scorecard: Scorecard
    public var dropped: String?

    /// Creates a verdict.
    public init(id: String, scorecard: Scorecard, dropped: String?) {
        self.id = id
        self.scorecard = scorecard
        self.dropped = dropped
    }
}
