import AdgenCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
    private let closeDescriptor = Glibc.close
#elseif canImport(Darwin)
    import Darwin
    private let closeDescriptor = Darwin.close
#endif

/// The job store in an SQLite file (GRDB `DatabasePool`, WAL): the default for the CLI and `adgen serve`.
public struct SQLiteJobStore: JobStore {
    let writer: any DatabaseWriter

    /// Opens (creating when missing) the store at `path` and brings its schema up to date. Throws
    /// `StoreError.unavailable` saying why it cannot.
    public init(path: String) throws(StoreError) {
        do {
            writer = try Self.openPool(path: path)
        } catch {
            throw StoreError.unavailable("cannot open the store \(path): \(error)")
        }
    }

    private static func openPool(path: String) throws -> DatabasePool {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Two processes opening a new or older store at once would both migrate it (the migrator reads what is
        // applied, then applies the rest): an exclusive lock on a file beside it makes them take turns. It is
        // released when the descriptor is closed, by a killed process too.
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lock >= 0 {
            while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { if lock >= 0 { _ = closeDescriptor(lock) } }
        // Opening switches the file to WAL and migrates it; a second process doing the same at that moment makes
        // SQLite answer "busy" at once (the busy timeout does not cover it), so opening retries for a while.
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                try Self.migrator.migrate(pool)
                return pool
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 100
            {
                attempt += 1
                usleep(50_000)
            }
        }
    }

    /// An in-memory store, for unit tests.
    public init() throws {
        let queue = try DatabaseQueue()
        try Self.migrator.migrate(queue)
        writer = queue
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: batches, jobs, creatives, generations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE batch (
                        id TEXT PRIMARY KEY NOT NULL,
                        campaign TEXT NOT NULL,
                        state TEXT NOT NULL,
                        provider TEXT NOT NULL,
                        model TEXT NOT NULL,
                        idempotency_key TEXT UNIQUE,
                        campaign_file TEXT NOT NULL,
                        campaign_directory TEXT NOT NULL,
                        campaign_source BLOB NOT NULL,
                        estimated_cost_usd REAL,
                        max_cost_usd REAL,
                        reason TEXT,
                        output_directory TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        finished_at REAL
                    );
                    CREATE TABLE job (
                        id INTEGER PRIMARY KEY,
                        batch_id TEXT NOT NULL REFERENCES batch(id) ON DELETE CASCADE,
                        key TEXT NOT NULL,
                        request TEXT NOT NULL,
                        family TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        provider_request_id TEXT,
                        cost_usd REAL NOT NULL DEFAULT 0,
                        cached INTEGER NOT NULL DEFAULT 0,
                        lease_owner TEXT,
                        lease_expires_at REAL,
                        not_before REAL NOT NULL DEFAULT 0,
                        updated_at REAL NOT NULL DEFAULT 0,
                        UNIQUE (batch_id, key)
                    );
                    CREATE INDEX job_queue ON job (batch_id, state, not_before);
                    CREATE INDEX job_lease ON job (lease_owner) WHERE lease_owner IS NOT NULL;
                    CREATE TABLE creative (
                        batch_id TEXT NOT NULL REFERENCES batch(id) ON DELETE CASCADE,
                        id TEXT NOT NULL,
                        job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                        variant TEXT NOT NULL,
                        size_id TEXT NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        file TEXT,
                        bytes INTEGER,
                        sha256 TEXT,
                        format TEXT,
                        scorecard TEXT,
                        events TEXT NOT NULL DEFAULT '[]',
                        failure TEXT,
                        dropped TEXT,
                        PRIMARY KEY (batch_id, id)
                    );
                    CREATE INDEX creative_job ON creative (job_id);
                    CREATE TABLE generation (
                        key TEXT PRIMARY KEY NOT NULL,
                        provider TEXT NOT NULL,
                        model TEXT NOT NULL,
                        file TEXT NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        cost_usd REAL NOT NULL,
                        provider_request_id TEXT,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        // Claiming walks a batch's pending (or running) jobs in id order and stops after `limit`: without this index
        // SQLite read every job of the batch and sorted them on each claim, O(jobs) a claim and O(jobs²) a batch.
        migrator.registerMigration("v2: jobs by batch, state and id") { db in
            try db.execute(sql: "CREATE INDEX job_claim ON job (batch_id, state, id)")
        }
        migrator.registerMigration("v3: webhook outbox") { db in
            try Self.createOutbox(db)
        }
        // The files a campaign references, kept with its batch so another process (on another machine) loads it
        // the same: logo, layouts, wildcards, prompt file. A folder is a path ending in `/` with no contents.
        migrator.registerMigration("v4: campaign snapshots") { db in
            try db.execute(
                sql: """
                    CREATE TABLE batch_file (
                        batch_id TEXT NOT NULL REFERENCES batch(id) ON DELETE CASCADE,
                        path TEXT NOT NULL,
                        contents BLOB NOT NULL,
                        PRIMARY KEY (batch_id, path)
                    )
                    """)
        }
        // For the HTTP service: a batch belongs to a tenant (none for the CLI's own) and keeps a digest of the request
        // it was submitted with, to tell a retry from another request under the same idempotency key; batches are
        // listed newest first, of one tenant or of all, and by state. Each creative gets its place in the order its
        // batch's creatives reached a final state, so a reader following a batch resumes after the last place it saw
        // and misses none; creatives finished before this migration are numbered in row order.
        migrator.registerMigration("v5: tenants, request digests, finish order") { db in
            try db.execute(
                sql: """
                    ALTER TABLE batch ADD COLUMN tenant TEXT;
                    ALTER TABLE batch ADD COLUMN request_digest TEXT;
                    CREATE INDEX batch_tenant ON batch (tenant, created_at DESC, id DESC);
                    CREATE INDEX batch_created ON batch (created_at DESC, id DESC);
                    CREATE INDEX batch_state ON batch (state);
                    ALTER TABLE creative ADD COLUMN finished_seq INTEGER;
                    UPDATE creative SET finished_seq = numbered.n
                    FROM (
                        SELECT rowid AS creative_rowid, ROW_NUMBER() OVER (PARTITION BY batch_id ORDER BY rowid) AS n
                        FROM creative WHERE state IN ('succeeded', 'failed', 'cancelled')
                    ) AS numbered
                    WHERE creative.rowid = numbered.creative_rowid;
                    CREATE UNIQUE INDEX creative_finished ON creative (batch_id, finished_seq)
                        WHERE finished_seq IS NOT NULL;
                    """)
        }
        // Where the layout put each creative's subject and copy, for the manifest.
        migrator.registerMigration("v6: layout boxes") { db in
            try db.execute(sql: "ALTER TABLE creative ADD COLUMN boxes TEXT")
        }
        return migrator
    }

    // MARK: Batches

    public func submit<Plan: Sequence & Sendable>(_ header: BatchHeader, plan: Plan) async throws
        -> (batch: Batch, created: Bool)
    where Plan.Element == PlannedCreative {
        let created = try await writer.write { db -> Bool in
            if let key = header.idempotencyKey,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM batch WHERE idempotency_key = ?", arguments: [key]) == true
            {
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO batch (id, campaign, state, provider, model, idempotency_key, campaign_file,
                        campaign_directory, campaign_source, estimated_cost_usd, max_cost_usd, output_directory,
                        created_at, updated_at, tenant, request_digest)
                    VALUES (?, ?, 'validating', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    header.id, header.campaign, header.provider, header.model, header.idempotencyKey,
                    header.source.file, header.source.directory, Data(header.source.bytes), header.estimatedCostUSD,
                    header.maxCostUSD, header.outputDirectory, header.now.timeIntervalSince1970,
                    header.now.timeIntervalSince1970, header.tenant, header.requestDigest,
                ])
            for file in header.source.files {
                try db.execute(
                    sql: "INSERT INTO batch_file (batch_id, path, contents) VALUES (?, ?, ?)",
                    arguments: [header.id, file.path, Data(file.bytes)])
            }
            try Self.insert(plan, batch: header.id, db)
            try db.execute(sql: "UPDATE batch SET state = 'queued' WHERE id = ?", arguments: [header.id])
            return true
        }
        let id: String
        if created {
            id = header.id
        } else {
            id = try await writer.read { db in
                try String.fetchOne(
                    db, sql: "SELECT id FROM batch WHERE idempotency_key = ?", arguments: [header.idempotencyKey])!
            }
        }
        guard let batch = try await batch(id: id) else {
            throw StoreError.inconsistent("batch \(id) vanished after submit")
        }
        return (batch, created)
    }

    /// Adds a plan's jobs (once per key) and creatives inside the submit transaction, with prepared statements.
    static func insert(_ plan: some Sequence<PlannedCreative>, batch: String, _ db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var jobIDs: [String: Int64] = [:]
        let insertJob = try db.cachedStatement(
            sql: "INSERT INTO job (batch_id, key, request, family) VALUES (?, ?, ?, ?)")
        let insertCreative = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO creative (batch_id, id, job_id, variant, size_id) VALUES (?, ?, ?, ?, ?)")
        for entry in plan {
            let job: Int64
            if let id = jobIDs[entry.jobKey] {
                job = id
            } else {
                try insertJob.execute(arguments: [
                    batch, entry.jobKey, String(decoding: try encoder.encode(entry.request), as: UTF8.self),
                    entry.family,
                ])
                job = db.lastInsertedRowID
                jobIDs[entry.jobKey] = job
            }
            try insertCreative.execute(arguments: [
                batch, entry.creativeID, job, String(decoding: try encoder.encode(entry.variant), as: UTF8.self),
                entry.sizeID,
            ])
        }
    }

    public func batch(id: String) async throws -> Batch? {
        try await writer.read { db in try Self.batch(db, id: id) }
    }

    public func batches(_ query: BatchQuery) async throws -> BatchPage {
        guard query.limit > 0, query.states?.isEmpty != true else { return BatchPage(batches: [], next: nil) }
        return try await writer.read { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            switch query.tenant {
            case .any: break
            case .none: conditions.append("tenant IS NULL")
            case .tenant(let tenant):
                conditions.append("tenant = ?")
                arguments += [tenant]
            }
            if let states = query.states {
                conditions.append("state IN (\(databaseQuestionMarks(count: states.count)))")
                arguments += StatementArguments(states.map(\.rawValue).sorted())
            }
            if let after = query.after {
                conditions.append("(created_at, id) < (?, ?)")
                arguments += [after.createdAt.timeIntervalSince1970, after.id]
            }
            arguments += [query.limit + 1]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM batch \(Self.whereClause(conditions))
                    ORDER BY created_at DESC, id DESC LIMIT ?
                    """,
                arguments: arguments)
            let batches = try rows.prefix(query.limit).map { try Self.batch(db, row: $0) }
            let next =
                rows.count > query.limit ? batches.last.map { BatchCursor(createdAt: $0.createdAt, id: $0.id) } : nil
            return BatchPage(batches: batches, next: next)
        }
    }

    /// `WHERE` and `conditions` joined with `AND`; nothing when there are none.
    static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    static func batch(_ db: Database, id: String) throws -> Batch? {
        try Row.fetchOne(db, sql: "SELECT * FROM batch WHERE id = ?", arguments: [id]).map { try batch(db, row: $0) }
    }

    /// The batch of `row` (a row of `batch`), with its counts and cost.
    static func batch(_ db: Database, row: Row) throws -> Batch {
        let id: String = row["id"]
        var creatives = Batch.Counts()
        for count in try Row.fetchAll(
            db, sql: "SELECT state, COUNT(*) AS n FROM creative WHERE batch_id = ? GROUP BY state", arguments: [id])
        {
            creatives.add(state: count["state"], count: count["n"])
        }
        var jobs = Batch.Counts()
        var cost = 0.0
        for count in try Row.fetchAll(
            db, sql: "SELECT state, COUNT(*) AS n, TOTAL(cost_usd) AS cost FROM job WHERE batch_id = ? GROUP BY state",
            arguments: [id])
        {
            jobs.add(state: count["state"], count: count["n"])
            cost += count["cost"] as Double
        }
        return Batch(
            id: row["id"], campaign: row["campaign"], state: Batch.State(rawValue: row["state"]) ?? .failed,
            provider: row["provider"], model: row["model"], creatives: creatives, jobs: jobs, costUSD: cost,
            estimatedCostUSD: row["estimated_cost_usd"], maxCostUSD: row["max_cost_usd"],
            idempotencyKey: row["idempotency_key"], reason: row["reason"], outputDirectory: row["output_directory"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            finishedAt: (row["finished_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
            tenant: row["tenant"], requestDigest: row["request_digest"])
    }

    public func campaignSource(batch: String) async throws -> CampaignSource {
        try await writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT campaign_file, campaign_directory, campaign_source FROM batch WHERE id = ?",
                    arguments: [batch])
            else { throw StoreError.noSuchBatch(batch) }
            let data: Data = row["campaign_source"]
            let files = try Row.fetchAll(
                db, sql: "SELECT path, contents FROM batch_file WHERE batch_id = ? ORDER BY path", arguments: [batch]
            ).map { CampaignSource.File(path: $0["path"], bytes: Array($0["contents"] as Data)) }
            return CampaignSource(
                bytes: Array(data), file: row["campaign_file"], directory: row["campaign_directory"], files: files)
        }
    }

    public func setState(batch: String, _ state: Batch.State, reason: String?, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE batch SET state = ?, reason = ?, updated_at = ?,
                        finished_at = CASE WHEN ? THEN ? ELSE finished_at END
                    WHERE id = ?
                    """,
                arguments: [
                    state.rawValue, reason, now.timeIntervalSince1970, state.isFinished, now.timeIntervalSince1970,
                    batch,
                ])
        }
    }

    // MARK: Jobs

    public func claim(batch: String, owner: String, limit: Int, now: Date, leaseUntil: Date) async throws
        -> [GenerationJob]
    {
        guard limit > 0 else { return [] }
        return try await writer.write { db in
            // Statements run for every job are prepared once per connection (`cachedStatement`): preparing them
            // each time was a third of the dispatcher's CPU.
            let claim = try db.cachedStatement(
                sql: """
                    UPDATE job SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
                        updated_at = ?
                    WHERE id IN (
                        SELECT id FROM (
                            SELECT id FROM job INDEXED BY job_claim
                            WHERE batch_id = ? AND state = 'pending' AND not_before <= ? ORDER BY id LIMIT ?)
                        UNION ALL
                        SELECT id FROM (
                            SELECT id FROM job INDEXED BY job_claim
                            WHERE batch_id = ? AND state = 'running' AND lease_expires_at < ? ORDER BY id LIMIT ?)
                        ORDER BY id LIMIT ?)
                    RETURNING *
                    """)
            let rows = try Row.fetchAll(
                claim,
                arguments: [
                    owner, leaseUntil.timeIntervalSince1970, now.timeIntervalSince1970, batch,
                    now.timeIntervalSince1970, limit, batch, now.timeIntervalSince1970, limit, limit,
                ])
            if !rows.isEmpty {
                try db.cachedStatement(
                    sql: "UPDATE batch SET state = 'in_progress', updated_at = ? WHERE id = ? AND state = 'queued'"
                ).execute(arguments: [now.timeIntervalSince1970, batch])
            }
            return try rows.map(Self.job).sorted { $0.id < $1.id }
        }
    }

    static func job(_ row: Row) throws -> GenerationJob {
        let request: String = row["request"]
        return GenerationJob(
            id: row["id"], batchID: row["batch_id"], key: row["key"],
            request: try JSONDecoder().decode(GenerationRequest.self, from: Data(request.utf8)),
            family: row["family"], state: GenerationJob.State(rawValue: row["state"]) ?? .failed,
            attempts: row["attempts"], lastError: row["last_error"], providerRequestID: row["provider_request_id"],
            costUSD: row["cost_usd"], cached: row["cached"], leaseOwner: row["lease_owner"],
            leaseExpiresAt: (row["lease_expires_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
            notBefore: Date(timeIntervalSince1970: row["not_before"]))
    }

    public func renewLeases(owner: String, until: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE job SET lease_expires_at = ? WHERE lease_owner = ? AND state = 'running'",
                arguments: [until.timeIntervalSince1970, owner])
        }
    }

    public func releaseLeases(owners: [String]) async throws -> Int {
        guard !owners.isEmpty else { return 0 }
        return try await writer.write { db in
            var released = 0
            for owner in owners {
                try db.execute(
                    sql: """
                        UPDATE job SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL,
                            attempts = MAX(attempts - 1, 0)
                        WHERE lease_owner = ? AND state = 'running'
                        """,
                    arguments: [owner])
                released += db.changesCount
            }
            return released
        }
    }

    public func leaseOwners(batch: String) async throws -> [String] {
        try await writer.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT DISTINCT lease_owner FROM job WHERE batch_id = ? AND state = 'running' AND lease_owner IS NOT NULL",
                arguments: [batch])
        }
    }

    public func cachedGeneration(key: String) async throws -> CachedGeneration? {
        try await writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM generation WHERE key = ?"), arguments: [key]).map {
                row in
                CachedGeneration(
                    key: row["key"], provider: row["provider"], model: row["model"], file: row["file"],
                    width: row["width"], height: row["height"], costUSD: row["cost_usd"],
                    providerRequestID: row["provider_request_id"])
            }
        }
    }

    public func recordGeneration(_ generation: CachedGeneration, job: Int64, cached: Bool, now: Date) async throws {
        try await writer.write { db in
            if !cached {
                try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO generation (key, provider, model, file, width, height, cost_usd,
                            provider_request_id, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                ).execute(
                    arguments: [
                        generation.key, generation.provider, generation.model, generation.file, generation.width,
                        generation.height, generation.costUSD, generation.providerRequestID,
                        now.timeIntervalSince1970,
                    ])
            }
            try db.cachedStatement(sql: "UPDATE job SET cost_usd = ?, provider_request_id = ?, cached = ? WHERE id = ?")
                .execute(arguments: [cached ? 0 : generation.costUSD, generation.providerRequestID, cached, job])
        }
    }

    public func creatives(job: Int64) async throws -> [CreativeRecord] {
        try await writer.read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM creative WHERE job_id = ? ORDER BY size_id, id")
            return try Row.fetchAll(statement, arguments: [job]).map(Self.creative)
        }
    }

    public func creatives(batch: String) async throws -> [CreativeRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM creative WHERE batch_id = ? ORDER BY size_id, id", arguments: [batch]
            ).map(Self.creative)
        }
    }

    public func creatives(
        batch: String, after id: String?, limit: Int, sizeID: String?, states: Set<CreativeRecord.State>?
    ) async throws -> [CreativeRecord] {
        guard limit > 0, states?.isEmpty != true else { return [] }
        return try await writer.read { db in
            var conditions = ["batch_id = ?"]
            var arguments: StatementArguments = [batch]
            if let id {
                conditions.append("id > ?")
                arguments += [id]
            }
            if let sizeID {
                conditions.append("size_id = ?")
                arguments += [sizeID]
            }
            if let states {
                conditions.append("state IN (\(databaseQuestionMarks(count: states.count)))")
                arguments += StatementArguments(states.map(\.rawValue).sorted())
            }
            arguments += [limit]
            return try Row.fetchAll(
                db, sql: "SELECT * FROM creative \(Self.whereClause(conditions)) ORDER BY id LIMIT ?",
                arguments: arguments
            ).map(Self.creative)
        }
    }

    public func creative(batch: String, id: String) async throws -> CreativeRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM creative WHERE batch_id = ? AND id = ?", arguments: [batch, id])
                .map(Self.creative)
        }
    }

    public func finishedCreatives(batch: String, after sequence: Int64, limit: Int) async throws -> [CreativeRecord] {
        guard limit > 0 else { return [] }
        return try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM creative INDEXED BY creative_finished
                    WHERE batch_id = ? AND finished_seq > ? ORDER BY finished_seq LIMIT ?
                    """,
                arguments: [batch, sequence, limit]
            ).map(Self.creative)
        }
    }

    public func jobs(batch: String) async throws -> [GenerationJob] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job WHERE batch_id = ? ORDER BY id", arguments: [batch]).map(
                Self.job)
        }
    }

    public func job(id: Int64) async throws -> GenerationJob? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(Self.job)
        }
    }

    static func creative(_ row: Row) throws -> CreativeRecord {
        let decoder = JSONDecoder()
        let variant: String = row["variant"]
        let events: String = row["events"]
        let scorecard: String? = row["scorecard"]
        let boxes: String? = row["boxes"]
        return CreativeRecord(
            id: row["id"], batchID: row["batch_id"], jobID: row["job_id"],
            variant: try decoder.decode(StoredVariant.self, from: Data(variant.utf8)), sizeID: row["size_id"],
            state: CreativeRecord.State(rawValue: row["state"]) ?? .failed, file: row["file"], bytes: row["bytes"],
            sha256: row["sha256"], format: row["format"],
            scorecard: try scorecard.map { try decoder.decode(Scorecard.self, from: Data($0.utf8)) },
            events: try decoder.decode([String].self, from: Data(events.utf8)),
            boxes: try boxes.map { try decoder.decode([String: [Int]].self, from: Data($0.utf8)) },
            failure: row["failure"], dropped: row["dropped"], finishedSequence: row["finished_seq"])
    }

    // MARK: Finish order

    /// The last place taken in the order `batch`'s creatives finished; 0 when none has.
    static func lastFinished(_ db: Database, batch: String) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT finished_seq FROM creative INDEXED BY creative_finished
                    WHERE batch_id = ? AND finished_seq IS NOT NULL ORDER BY finished_seq DESC LIMIT 1
                    """),
            arguments: [batch]) ?? 0
    }

    /// Moves the pending creatives of `batch` that `condition` (over `creative`, with `arguments`) selects to `state`
    /// with `failure`, giving them the next places in the batch's finish order, in row order.
    static func finishPending(
        _ db: Database, batch: String, where condition: String, arguments: StatementArguments,
        state: CreativeRecord.State, failure: String
    ) throws {
        let last = try lastFinished(db, batch: batch)
        try db.execute(
            sql: """
                UPDATE creative SET state = ?, failure = ?, finished_seq = ? + numbered.n
                FROM (
                    SELECT rowid AS creative_rowid, ROW_NUMBER() OVER (ORDER BY rowid) AS n FROM creative
                    WHERE batch_id = ? AND state = 'pending' AND \(condition)
                ) AS numbered
                WHERE creative.rowid = numbered.creative_rowid
                """,
            arguments: [state.rawValue, failure, last, batch] + arguments)
    }

    public func complete(job: Int64, owner: String, creatives: [CreativeResult], now: Date) async throws -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let encoded = try creatives.map { result in
            (
                result, try result.scorecard.map { String(decoding: try encoder.encode($0), as: UTF8.self) },
                String(decoding: try encoder.encode(result.events), as: UTF8.self),
                try result.boxes.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            )
        }
        return try await writer.write { db in
            guard
                let batch = try String.fetchOne(
                    db.cachedStatement(
                        sql: """
                            UPDATE job SET state = 'succeeded', lease_owner = NULL, lease_expires_at = NULL,
                                last_error = NULL, updated_at = ?
                            WHERE id = ? AND state = 'running' AND lease_owner = ?
                            RETURNING batch_id
                            """),
                    arguments: [now.timeIntervalSince1970, job, owner])
            else { return false }
            // Each finished creative takes the next place in the batch's finish order, one that already has one keeps
            // it: the statement returns the place the creative ends up with, so a place not taken is given to the next.
            var next = try Self.lastFinished(db, batch: batch) + 1
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE creative SET state = ?, file = ?, bytes = ?, sha256 = ?, format = ?, scorecard = ?,
                        events = ?, boxes = ?, failure = ?, finished_seq = COALESCE(finished_seq, ?)
                    WHERE job_id = ? AND id = ?
                    RETURNING finished_seq
                    """)
            for (result, scorecard, events, boxes) in encoded {
                let place = try Int64.fetchOne(
                    statement,
                    arguments: [
                        result.state.rawValue, result.file, result.bytes, result.sha256, result.format, scorecard,
                        events, boxes, result.failure, result.state == .pending ? nil : next, job, result.id,
                    ])
                if place == next { next += 1 }
            }
            return true
        }
    }

    public func retry(job: Int64, owner: String, error: String, notBefore: Date, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE job SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, last_error = ?,
                        not_before = ?, updated_at = ?
                    WHERE id = ? AND state = 'running' AND lease_owner = ?
                    """,
                arguments: [error, notBefore.timeIntervalSince1970, now.timeIntervalSince1970, job, owner])
        }
    }

    public func fail(job: Int64, owner: String, reason: String, now: Date) async throws {
        try await writer.write { db in
            guard
                let batch = try String.fetchOne(
                    db,
                    sql: """
                        UPDATE job SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, last_error = ?,
                            updated_at = ?
                        WHERE id = ? AND state = 'running' AND lease_owner = ?
                        RETURNING batch_id
                        """,
                    arguments: [reason, now.timeIntervalSince1970, job, owner])
            else { return }
            try Self.finishPending(
                db, batch: batch, where: "job_id = ?", arguments: [job], state: .failed, failure: reason)
        }
    }

    public func release(job: Int64, owner: String) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE job SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL,
                        attempts = MAX(attempts - 1, 0)
                    WHERE id = ? AND state = 'running' AND lease_owner = ?
                    """,
                arguments: [job, owner])
        }
    }

    public func cancel(job: Int64, reason: String, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE job SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, last_error = ?,
                        updated_at = ?
                    WHERE id = ? AND state IN ('pending', 'running')
                    """,
                arguments: [reason, now.timeIntervalSince1970, job])
            guard let batch = try String.fetchOne(db, sql: "SELECT batch_id FROM job WHERE id = ?", arguments: [job])
            else { return }
            try Self.finishPending(
                db, batch: batch, where: "job_id = ?", arguments: [job], state: .cancelled, failure: reason)
        }
    }

    public func state(batch: String) async throws -> Batch.State? {
        try await writer.read { db in
            try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM batch WHERE id = ?"), arguments: [batch])
                .flatMap(Batch.State.init(rawValue:))
        }
    }

    public func cancelPending(batch: String, reason: String, cancelBatch: Bool, now: Date) async throws {
        try await writer.write { db in
            try Self.finishPending(
                db, batch: batch, where: "job_id IN (SELECT id FROM job WHERE batch_id = ? AND state = 'pending')",
                arguments: [batch], state: .cancelled, failure: reason)
            try db.execute(
                sql: """
                    UPDATE job SET state = 'cancelled', last_error = ?, updated_at = ?
                    WHERE batch_id = ? AND state = 'pending'
                    """,
                arguments: [reason, now.timeIntervalSince1970, batch])
            guard cancelBatch else { return }
            try db.execute(
                sql: """
                    UPDATE batch SET state = 'cancelled', reason = ?, updated_at = ?, finished_at = ?
                    WHERE id = ? AND state NOT IN ('completed', 'failed', 'cancelled')
                    """,
                arguments: [reason, now.timeIntervalSince1970, now.timeIntervalSince1970, batch])
        }
    }

    public func nextDue(batch: String) async throws -> Date? {
        try await writer.read { db in
            let pending = try Double.fetchOne(
                db, sql: "SELECT MIN(not_before) FROM job WHERE batch_id = ? AND state = 'pending'", arguments: [batch])
            let lease = try Double.fetchOne(
                db, sql: "SELECT MIN(lease_expires_at) FROM job WHERE batch_id = ? AND state = 'running'",
                arguments: [batch])
            return [pending, lease].compactMap { $0 }.min().map { Date(timeIntervalSince1970: $0) }
        }
    }

    public func judge(batch: String, _ verdicts: [CreativeVerdict]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let encoded = try verdicts.map { ($0, String(decoding: try encoder.encode($0.scorecard), as: UTF8.self)) }
        try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE creative SET scorecard = ?, dropped = ? WHERE batch_id = ? AND id = ?")
            for (verdict, scorecard) in encoded {
                try statement.execute(arguments: [scorecard, verdict.dropped, batch, verdict.id])
            }
        }
    }

    public func close() async throws {
        try writer.close()
    }
}

extension Batch.Counts {
    mutating func add(state: String, count: Int) {
        total += count
        switch state {
        case "succeeded": completed += count
        case "failed": failed += count
        case "cancelled": cancelled += count
        default: break
        }
    }
}
