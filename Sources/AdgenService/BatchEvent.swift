import AdgenCore
import Foundation

/// What happens to a batch while the service runs it, in order: a front end renders these (the CLI as a bar, a
/// line every 10 s or NDJSON; the server as server-sent events). Every event is `Encodable` as one JSON object
/// with a `type`.
public enum BatchEvent: Sendable, Equatable {
    /// The run started (or continued): the batch as it was then.
    case started(BatchProgress)
    /// Counts or cost changed.
    case progress(BatchProgress)
    /// The run stopped to wait for the operator (a full disk): `adgen resume` continues it.
    case paused(reason: String, BatchProgress)
    /// A folder export was written.
    case exported(directory: String, files: Int, bytes: Int)
    /// A folder export failed; the results stay in the store.
    case exportFailed(message: String)
    /// Webhook deliveries after the run: what was delivered, what is still retrying, what was given up.
    case deliveries(DeliveryReport)
    /// The run ended: the batch as it is now.
    case finished(BatchProgress)
}

/// A batch's counts at one moment, with the rate and the time left at that rate.
public struct BatchProgress: Sendable, Equatable, Encodable {
    public var batch: String
    public var campaign: String
    public var state: Batch.State
    /// Creatives by state.
    public var creatives: Batch.Counts
    /// Generations by state.
    public var generations: Batch.Counts
    public var costUSD: Double
    /// Seconds since the run started.
    public var elapsedSeconds: Double
    /// Creatives finished per second since the run started (those finished before it are not counted).
    public var ratePerSecond: Double
    /// Seconds left at that rate; nil until something has finished.
    public var etaSeconds: Double?

    /// The progress of `batch`, `elapsed` seconds into a run that found `doneAtStart` creatives finished.
    public init(_ batch: Batch, elapsed: Double, doneAtStart: Int) {
        self.batch = batch.id
        campaign = batch.campaign
        state = batch.state
        creatives = batch.creatives
        generations = batch.jobs
        costUSD = batch.costUSD
        elapsedSeconds = elapsed
        let done = batch.creatives.total - batch.creatives.remaining
        ratePerSecond = elapsed > 0 ? Double(max(0, done - doneAtStart)) / elapsed : 0
        etaSeconds = ratePerSecond > 0 ? Double(batch.creatives.remaining) / ratePerSecond : nil
    }

    /// Creatives finished (made, failed or cancelled).
    public var done: Int { creatives.total - creatives.remaining }
}

/// Where a batch's webhook messages stand, per endpoint.
public struct DeliveryReport: Sendable, Equatable, Encodable {
    /// One endpoint's messages.
    public struct Endpoint: Sendable, Equatable, Encodable {
        /// The URL with its credentials and query redacted.
        public var url: String
        public var delivered: Int
        /// Still being retried.
        public var pending: Int
        /// Given up (schedule or age ran out, URL refused) or skipped (the endpoint answered 410).
        public var failed: Int
        /// Why the endpoint receives nothing more (it answered 410 Gone).
        public var disabledReason: String?
    }

    /// The batch.
    public var batch: String
    public var endpoints: [Endpoint]
    /// The next attempt of a message still pending.
    public var nextAttemptAt: Date?

    public var delivered: Int { endpoints.reduce(0) { $0 + $1.delivered } }
    public var pending: Int { endpoints.reduce(0) { $0 + $1.pending } }
    public var failed: Int { endpoints.reduce(0) { $0 + $1.failed } }
}

extension BatchEvent: Encodable {
    private enum CodingKeys: String, CodingKey {
        case type, progress, reason, directory, files, bytes, message, deliveries
    }

    /// The event's `type` in JSON: `started`, `progress`, `paused`, `exported`, `export_failed`, `deliveries`,
    /// `finished`.
    public var type: String {
        switch self {
        case .started: "started"
        case .progress: "progress"
        case .paused: "paused"
        case .exported: "exported"
        case .exportFailed: "export_failed"
        case .deliveries: "deliveries"
        case .finished: "finished"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .started(let progress), .progress(let progress), .finished(let progress):
            try container.encode(progress, forKey: .progress)
        case .paused(let reason, let progress):
            try container.encode(reason, forKey: .reason)
            try container.encode(progress, forKey: .progress)
        case .exported(let directory, let files, let bytes):
            try container.encode(directory, forKey: .directory)
            try container.encode(files, forKey: .files)
            try container.encode(bytes, forKey: .bytes)
        case .exportFailed(let message):
            try container.encode(message, forKey: .message)
        case .deliveries(let report):
            try container.encode(report, forKey: .deliveries)
        }
    }
}
