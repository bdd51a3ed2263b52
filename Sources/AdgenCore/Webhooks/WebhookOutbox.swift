import Crypto
import Foundation

/// The durable outbox of webhook messages: endpoints subscribed to a batch, the messages to send them, and every
/// attempt. A message is written before it is sent and stays until it is delivered or given up, so a process
/// killed at any moment loses nothing: the next one sends what is left (at least once, always with the same
/// `webhook-id`).
public protocol WebhookOutbox: Sendable {
    /// Subscribes endpoints to `batch`. One already subscribed (same URL and origin) takes the new secret variable
    /// and events; an `export` one is also enabled again (sending again after a 410 is the operator's call), a
    /// `campaign` one stays disabled. Returns the batch's endpoints.
    @discardableResult
    func register(batch: String, _ endpoints: [WebhookEndpoint.Registration], now: Date) async throws
        -> [WebhookEndpoint]

    /// The endpoints subscribed to `batch`.
    func endpoints(batch: String) async throws -> [WebhookEndpoint]

    /// Up to `limit` creatives of `batch` that have finished (made, failed) but were not announced yet.
    func unannouncedCreatives(batch: String, limit: Int) async throws -> [CreativeRecord]

    /// Whether `batch` is finished and its `batch.completed` was not announced yet.
    func batchUnannounced(_ batch: String) async throws -> Bool

    /// In one transaction: adds `messages` and marks the creatives and, with `announcingBatch`, the batch as
    /// announced. An id already in the outbox is left as it is, unless `reviving`: then one that was given up or
    /// skipped is pending again, due now, with its schedule starting over (sending again on purpose).
    func enqueue(
        _ messages: [WebhookMessage], announcing creatives: [String], batch: String, announcingBatch: Bool,
        reviving: Bool
    ) async throws

    /// Leases up to `limit` messages that are due (pending, next attempt passed, not leased by a live process),
    /// oldest first, of `batch` or of every batch when nil.
    func claimMessages(batch: String?, owner: String, limit: Int, now: Date, leaseUntil: Date) async throws
        -> [WebhookMessage]

    /// Records one attempt and where it leaves the message, in one transaction: `delivered`, `failed` (given up),
    /// or `pending` again until `nextAttemptAt`. The lease is released.
    func record(_ attempt: WebhookAttempt, state: WebhookMessage.State, nextAttemptAt: Date?) async throws

    /// Disables an endpoint (it answered 410 Gone): its pending messages are marked `skipped` with the reason.
    func disable(endpoint: Int64, reason: String, now: Date) async throws

    /// Gives back messages leased by `owner` that it did not send (the process stopped).
    func releaseMessages(owner: String) async throws

    /// The owners of leased, pending messages of `batch` (of every batch when nil).
    func messageLeaseOwners(batch: String?) async throws -> [String]

    /// Every message of `batch`, oldest first.
    func messages(batch: String) async throws -> [WebhookMessage]

    /// Every attempt at the messages of `batch`, in order.
    func attempts(batch: String) async throws -> [WebhookAttempt]

    /// The earliest moment a pending message of `batch` may be sent (its next attempt, or when its lease ends),
    /// or nil when nothing is pending.
    func nextDelivery(batch: String) async throws -> Date?
}

/// A receiver subscribed to a batch's events.
public struct WebhookEndpoint: Sendable, Codable, Equatable {
    /// Where an endpoint came from: the campaign's `export:` list, or `adgen export --to webhook:URL`.
    public enum Origin: String, Sendable, Codable {
        case campaign, export
    }

    /// What subscribing takes.
    public struct Registration: Sendable, Equatable {
        public var url: String
        /// The environment variable holding the `whsec_` secret (its name; the secret is never stored).
        public var secretEnv: String
        /// The event types sent; empty for all.
        public var events: [String]
        public var origin: Origin

        /// Creates a registration.
        public init(url: String, secretEnv: String, events: [String], origin: Origin) {
            self.url = url
            self.secretEnv = secretEnv
            self.events = events
            self.origin = origin
        }
    }

    public var id: Int64
    public var batchID: String
    public var url: String
    public var secretEnv: String
    public var events: [String]
    public var origin: Origin
    /// Why it no longer receives anything (it answered 410 Gone).
    public var disabledReason: String?

    /// Whether it is sent events of `type`.
    public func wants(_ type: WebhookEvent.Kind) -> Bool {
        disabledReason == nil && (events.isEmpty || events.contains(type.rawValue))
    }

    /// Creates a record (stores build these from their rows).
    package init(
        id: Int64, batchID: String, url: String, secretEnv: String, events: [String], origin: Origin,
        disabledReason: String? = nil
    ) {
        self.id = id
        self.batchID = batchID
        self.url = url
        self.secretEnv = secretEnv
        self.events = events
        self.origin = origin
        self.disabledReason = disabledReason
    }
}

/// One event for one endpoint. Its id is the `webhook-id` of every attempt, and its payload the exact bytes
/// signed and sent each time.
public struct WebhookMessage: Sendable, Codable, Equatable {
    /// `pending → delivered | failed | skipped`.
    public enum State: String, Sendable, Codable {
        /// Not delivered yet: due at `nextAttemptAt`.
        case pending
        /// A 2xx answer came.
        case delivered
        /// Given up: the retry schedule or the maximum age ran out, or the URL is refused.
        case failed
        /// Its endpoint was disabled (410 Gone) before it was delivered.
        case skipped
    }

    /// `msg_` and 32 hex digits, derived from the endpoint and the event, so enqueueing twice adds it once.
    public var id: String
    public var endpointID: Int64
    public var batchID: String
    public var type: WebhookEvent.Kind
    public var payload: [UInt8]
    public var state: State
    /// Attempts made so far.
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    /// The last attempt's error, one line.
    public var lastError: String?
    public var deliveredAt: Date?

    /// A new pending message, due now.
    public init(id: String, endpointID: Int64, batchID: String, type: WebhookEvent.Kind, payload: [UInt8], now: Date) {
        self.id = id
        self.endpointID = endpointID
        self.batchID = batchID
        self.type = type
        self.payload = payload
        state = .pending
        attempts = 0
        createdAt = now
        nextAttemptAt = now
    }

    /// The id of the message for `event` (its type and subject) to `endpoint`.
    public static func id(endpoint: Int64, type: WebhookEvent.Kind, subject: String) -> String {
        let digest = SHA256.hash(data: Array("\(endpoint)\u{0}\(type.rawValue)\u{0}\(subject)".utf8))
        return "msg_" + digest.withUnsafeBytes { Hex.prefix(of: $0, digits: 32) }
    }
}

/// One try at delivering a message, as `adgen deliveries` shows it.
public struct WebhookAttempt: Sendable, Codable, Equatable {
    public var messageID: String
    /// 1 for the first attempt.
    public var number: Int
    public var startedAt: Date
    public var durationMilliseconds: Int
    /// The HTTP status, when an answer came.
    public var status: Int?
    /// `delivered`, `failed`, `gone` or `refused`.
    public var outcome: String
    public var error: String?
    /// At most the first 1 KB of the answer.
    public var responseExcerpt: String

    /// Creates an attempt record.
    public init(
        messageID: String, number: Int, startedAt: Date, durationMilliseconds: Int, status: Int?, outcome: String,
        error: String?, responseExcerpt: String
    ) {
        self.messageID = messageID
        self.number = number
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.status = status
        self.outcome = outcome
        self.error = error
        self.responseExcerpt = responseExcerpt
    }
}
