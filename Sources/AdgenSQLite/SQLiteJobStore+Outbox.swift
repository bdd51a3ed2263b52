import AdgenCore
import Foundation
import GRDB

extension SQLiteJobStore: WebhookOutbox {
    /// Migration v3: endpoints, messages and attempts, and the "announced" marks on creatives and batches.
    static func createOutbox(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE webhook_endpoint (
                    id INTEGER PRIMARY KEY,
                    batch_id TEXT NOT NULL REFERENCES batch(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    secret_env TEXT NOT NULL,
                    events TEXT NOT NULL DEFAULT '[]',
                    origin TEXT NOT NULL,
                    disabled_reason TEXT,
                    created_at REAL NOT NULL,
                    UNIQUE (batch_id, url, origin)
                );
                CREATE TABLE webhook_message (
                    id TEXT PRIMARY KEY NOT NULL,
                    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoint(id) ON DELETE CASCADE,
                    batch_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    delivered_at REAL,
                    lease_owner TEXT,
                    lease_expires_at REAL,
                    seq INTEGER NOT NULL
                );
                CREATE INDEX webhook_message_due ON webhook_message (state, next_attempt_at);
                CREATE INDEX webhook_message_batch ON webhook_message (batch_id, seq);
                CREATE INDEX webhook_message_seq ON webhook_message (seq);
                CREATE TABLE webhook_attempt (
                    id INTEGER PRIMARY KEY,
                    message_id TEXT NOT NULL REFERENCES webhook_message(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    started_at REAL NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    status INTEGER,
                    outcome TEXT NOT NULL,
                    error TEXT,
                    response_excerpt TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX webhook_attempt_message ON webhook_attempt (message_id, number);
                ALTER TABLE creative ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE batch ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX creative_unannounced ON creative (batch_id) WHERE announced = 0;
                """)
    }

    @discardableResult
    public func register(batch: String, _ endpoints: [WebhookEndpoint.Registration], now: Date) async throws
        -> [WebhookEndpoint]
    {
        let encoded = try endpoints.map { ($0, String(decoding: try JSONEncoder().encode($0.events), as: UTF8.self)) }
        return try await writer.write { db in
            for (endpoint, events) in encoded {
                try db.execute(
                    sql: """
                        INSERT INTO webhook_endpoint (batch_id, url, secret_env, events, origin, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (batch_id, url, origin) DO UPDATE SET
                            secret_env = excluded.secret_env, events = excluded.events,
                            disabled_reason = CASE WHEN excluded.origin = 'export' THEN NULL ELSE disabled_reason END
                        """,
                    arguments: [
                        batch, endpoint.url, endpoint.secretEnv, events, endpoint.origin.rawValue,
                        now.timeIntervalSince1970,
                    ])
            }
            return try Self.endpoints(db, batch: batch)
        }
    }

    public func endpoints(batch: String) async throws -> [WebhookEndpoint] {
        try await writer.read { db in try Self.endpoints(db, batch: batch) }
    }

    static func endpoints(_ db: Database, batch: String) throws -> [WebhookEndpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM webhook_endpoint WHERE batch_id = ? ORDER BY id", arguments: [batch])
            .map { row in
                WebhookEndpoint(
                    id: row["id"], batchID: row["batch_id"], url: row["url"], secretEnv: row["secret_env"],
                    events: try JSONDecoder().decode([String].self, from: Data((row["events"] as String).utf8)),
                    origin: WebhookEndpoint.Origin(rawValue: row["origin"]) ?? .campaign,
                    disabledReason: row["disabled_reason"])
            }
    }

    public func unannouncedCreatives(batch: String, limit: Int) async throws -> [CreativeRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT * FROM creative INDEXED BY creative_unannounced
                        WHERE batch_id = ? AND announced = 0 AND state IN ('succeeded', 'failed')
                        ORDER BY rowid LIMIT ?
                        """),
                arguments: [batch, limit]
            ).map(Self.creative)
        }
    }

    public func batchUnannounced(_ batch: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT announced = 0 AND state IN ('completed', 'failed', 'cancelled') FROM batch WHERE id = ?
                    """,
                arguments: [batch]) ?? false
        }
    }

    public func enqueue(
        _ messages: [WebhookMessage], announcing creatives: [String], batch: String, announcingBatch: Bool,
        reviving: Bool
    ) async throws {
        try await writer.write { db in
            var seq = try Int64.fetchOne(db, sql: "SELECT seq FROM webhook_message ORDER BY seq DESC LIMIT 1") ?? 0
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO webhook_message
                        (id, endpoint_id, batch_id, type, payload, state, attempts, created_at, next_attempt_at, seq)
                    VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        state = 'pending', created_at = excluded.created_at, next_attempt_at = excluded.next_attempt_at,
                        last_error = NULL, lease_owner = NULL, lease_expires_at = NULL
                    WHERE ? AND state IN ('failed', 'skipped')
                    """)
            for message in messages {
                seq += 1
                try insert.execute(arguments: [
                    message.id, message.endpointID, message.batchID, message.type.rawValue, Data(message.payload),
                    message.createdAt.timeIntervalSince1970, message.nextAttemptAt.timeIntervalSince1970, seq, reviving,
                ])
            }
            let mark = try db.cachedStatement(sql: "UPDATE creative SET announced = 1 WHERE batch_id = ? AND id = ?")
            for creative in creatives { try mark.execute(arguments: [batch, creative]) }
            if announcingBatch {
                try db.execute(sql: "UPDATE batch SET announced = 1 WHERE id = ?", arguments: [batch])
            }
        }
    }

    public func claimMessages(batch: String?, owner: String, limit: Int, now: Date, leaseUntil: Date) async throws
        -> [WebhookMessage]
    {
        try await writer.write { db in
            let ids = try String.fetchAll(
                db,
                sql: """
                    SELECT id FROM webhook_message
                    WHERE state = 'pending' AND next_attempt_at <= ? AND (? IS NULL OR batch_id = ?)
                        AND (lease_owner IS NULL OR lease_expires_at <= ?)
                    ORDER BY next_attempt_at, seq LIMIT ?
                    """,
                arguments: [now.timeIntervalSince1970, batch, batch, now.timeIntervalSince1970, limit])
            let lease = try db.cachedStatement(
                sql: "UPDATE webhook_message SET lease_owner = ?, lease_expires_at = ? WHERE id = ?")
            var messages = [WebhookMessage]()
            for id in ids {
                try lease.execute(arguments: [owner, leaseUntil.timeIntervalSince1970, id])
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM webhook_message WHERE id = ?", arguments: [id]) {
                    messages.append(try Self.message(row))
                }
            }
            return messages
        }
    }

    static func message(_ row: Row) throws -> WebhookMessage {
        guard let type = WebhookEvent.Kind(rawValue: row["type"]) else {
            throw StoreError.incompatible(
                "webhook message \(row["id"] as String) has an unknown type: a store from a newer adgen?")
        }
        var message = WebhookMessage(
            id: row["id"], endpointID: row["endpoint_id"], batchID: row["batch_id"], type: type,
            payload: Array(row["payload"] as Data), now: Date(timeIntervalSince1970: row["created_at"]))
        message.state = WebhookMessage.State(rawValue: row["state"]) ?? .pending
        message.attempts = row["attempts"]
        message.nextAttemptAt = Date(timeIntervalSince1970: row["next_attempt_at"])
        message.lastError = row["last_error"]
        message.deliveredAt = (row["delivered_at"] as Double?).map { Date(timeIntervalSince1970: $0) }
        return message
    }

    public func record(_ attempt: WebhookAttempt, state: WebhookMessage.State, nextAttemptAt: Date?) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO webhook_attempt
                        (message_id, number, started_at, duration_ms, status, outcome, error, response_excerpt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    attempt.messageID, attempt.number, attempt.startedAt.timeIntervalSince1970,
                    attempt.durationMilliseconds, attempt.status, attempt.outcome, attempt.error,
                    attempt.responseExcerpt,
                ])
            let finished = attempt.startedAt.timeIntervalSince1970 + Double(attempt.durationMilliseconds) / 1000
            try db.execute(
                sql: """
                    UPDATE webhook_message SET state = ?, attempts = ?, last_error = ?, lease_owner = NULL,
                        lease_expires_at = NULL, next_attempt_at = COALESCE(?, next_attempt_at),
                        delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
                    WHERE id = ? AND state = 'pending'
                    """,
                arguments: [
                    state.rawValue, attempt.number, attempt.error, nextAttemptAt?.timeIntervalSince1970,
                    state.rawValue, finished, attempt.messageID,
                ])
        }
    }

    public func disable(endpoint: Int64, reason: String, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE webhook_endpoint SET disabled_reason = ? WHERE id = ? AND disabled_reason IS NULL",
                arguments: [reason, endpoint])
            try db.execute(
                sql: """
                    UPDATE webhook_message SET state = 'skipped', last_error = ?, lease_owner = NULL,
                        lease_expires_at = NULL
                    WHERE endpoint_id = ? AND state = 'pending'
                    """,
                arguments: [reason, endpoint])
        }
    }

    public func releaseMessages(owner: String) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE webhook_message SET lease_owner = NULL, lease_expires_at = NULL
                    WHERE lease_owner = ? AND state = 'pending'
                    """,
                arguments: [owner])
        }
    }

    public func messageLeaseOwners(batch: String?) async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT lease_owner FROM webhook_message
                    WHERE state = 'pending' AND lease_owner IS NOT NULL AND (? IS NULL OR batch_id = ?)
                    """,
                arguments: [batch, batch])
        }
    }

    public func messages(batch: String) async throws -> [WebhookMessage] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM webhook_message WHERE batch_id = ? ORDER BY seq", arguments: [batch]
            ).map(Self.message)
        }
    }

    public func attempts(batch: String) async throws -> [WebhookAttempt] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.* FROM webhook_attempt a JOIN webhook_message m ON m.id = a.message_id
                    WHERE m.batch_id = ? ORDER BY a.id
                    """,
                arguments: [batch]
            ).map { row in
                WebhookAttempt(
                    messageID: row["message_id"], number: row["number"],
                    startedAt: Date(timeIntervalSince1970: row["started_at"]),
                    durationMilliseconds: row["duration_ms"], status: row["status"], outcome: row["outcome"],
                    error: row["error"], responseExcerpt: row["response_excerpt"])
            }
        }
    }

    public func nextDelivery(batch: String) async throws -> Date? {
        try await writer.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT MIN(CASE WHEN lease_owner IS NOT NULL AND lease_expires_at > next_attempt_at
                        THEN lease_expires_at ELSE next_attempt_at END)
                    FROM webhook_message WHERE batch_id = ? AND state = 'pending'
                    """,
                arguments: [batch]
            ).map { Date(timeIntervalSince1970: $0) }
        }
    }
}
