import AdgenTesting
import Foundation
import GRDB
import Testing

@testable import AdgenCore
@testable import AdgenSQLite

/// The `JobStore` contract: every test runs against every store implementation (`StoreKind`).
@Suite("The job store contract")
struct JobStoreContractTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func submit(
        _ store: some JobStore, id: String = "b_1", jobs: Int = 3, key: String? = nil
    ) async throws -> (batch: Batch, created: Bool) {
        try await StoreFixture.submit(store, id: id, jobs: jobs, key: key, now: t0)
    }

    @Test(
        "A batch is submitted in one go, and the same idempotency key returns it without adding anything",
        arguments: StoreKind.allCases)
    func idempotentSubmit(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (first, created) = try await Self.submit(store, id: "b_1", key: "k")
            #expect(created)
            #expect(first.state == .queued)
            #expect(first.jobs.total == 3 && first.creatives.total == 6)
            #expect(first.estimatedCostUSD == 0.12)
            let (again, createdAgain) = try await Self.submit(store, id: "b_2", jobs: 5, key: "k")
            #expect(!createdAgain)
            #expect(again.id == "b_1" && again.jobs.total == 3)
            #expect(try await store.batches(limit: 10).map(\.id) == ["b_1"])
        }
    }

    @Test(
        "A lease keeps a job from other processes until it expires; each claim counts an attempt",
        arguments: StoreKind.allCases)
    func leases(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await Self.submit(store)
            let mine = try await store.claim(
                batch: "b_1", owner: "host/1", limit: 2, now: Self.t0, leaseUntil: Self.t0 + 60)
            #expect(mine.map(\.attempts) == [1, 1])
            #expect(try await store.batch(id: "b_1")?.state == .inProgress)
            let theirs = try await store.claim(
                batch: "b_1", owner: "host/2", limit: 5, now: Self.t0 + 1, leaseUntil: Self.t0 + 61)
            #expect(theirs.count == 1, "only the unleased job")
            // host/1 dies: after its lease expires, host/2 takes its jobs, as a second attempt.
            let taken = try await store.claim(
                batch: "b_1", owner: "host/2", limit: 5, now: Self.t0 + 61, leaseUntil: Self.t0 + 121)
            #expect(taken.map(\.id) == mine.map(\.id))
            #expect(taken.map(\.attempts) == [2, 2])
            // The first owner can no longer complete them.
            #expect(!(try await store.complete(job: mine[0].id, owner: "host/1", creatives: [], now: Self.t0 + 62)))
            #expect(try await store.complete(job: mine[0].id, owner: "host/2", creatives: [], now: Self.t0 + 62))
        }
    }

    @Test("Released leases go back to the queue without using up an attempt", arguments: StoreKind.allCases)
    func release(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await Self.submit(store)
            let jobs = try await store.claim(
                batch: "b_1", owner: "host/9", limit: 3, now: Self.t0, leaseUntil: Self.t0 + 60)
            #expect(try await store.leaseOwners(batch: "b_1") == ["host/9"])
            #expect(try await store.releaseLeases(owners: ["host/9"]) == 3)
            let again = try await store.claim(
                batch: "b_1", owner: "host/10", limit: 3, now: Self.t0, leaseUntil: Self.t0 + 60)
            #expect(again.map(\.id) == jobs.map(\.id))
            #expect(again.allSatisfy { $0.attempts == 1 })
        }
    }

    @Test(
        "A retried job waits out its backoff; a failed job fails its creatives with the reason",
        arguments: StoreKind.allCases)
    func retryAndFail(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await Self.submit(store, jobs: 2)
            let jobs = try await store.claim(batch: "b_1", owner: "o", limit: 2, now: Self.t0, leaseUntil: Self.t0 + 60)
            try await store.retry(job: jobs[0].id, owner: "o", error: "429", notBefore: Self.t0 + 30, now: Self.t0)
            try await store.fail(job: jobs[1].id, owner: "o", reason: "openai: content policy: refused", now: Self.t0)
            #expect(
                try await store.claim(batch: "b_1", owner: "o", limit: 2, now: Self.t0 + 29, leaseUntil: Self.t0 + 90)
                    .isEmpty)
            #expect(try await store.nextDue(batch: "b_1") == Self.t0 + 30)
            let retried = try await store.claim(
                batch: "b_1", owner: "o", limit: 2, now: Self.t0 + 30, leaseUntil: Self.t0 + 90)
            #expect(retried.map(\.id) == [jobs[0].id])
            #expect(retried[0].attempts == 2 && retried[0].lastError == "429")
            let batch = try #require(try await store.batch(id: "b_1"))
            #expect(batch.jobs.failed == 1 && batch.creatives.failed == 2)
            let failed = try await store.creatives(job: jobs[1].id)
            #expect(failed.allSatisfy { $0.state == .failed && $0.failure == "openai: content policy: refused" })
        }
    }

    @Test(
        "Completing a job records its creatives, cost and the cache entry in the store", arguments: StoreKind.allCases)
    func complete(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await Self.submit(store, jobs: 1)
            let job = try #require(
                try await store.claim(batch: "b_1", owner: "o", limit: 1, now: Self.t0, leaseUntil: Self.t0 + 60).first)
            let generation = CachedGeneration(
                key: job.key, provider: "openai", model: "gpt-image-1", file: "/tmp/x.png", width: 1024, height: 1024,
                costUSD: 0.04, providerRequestID: "req_1")
            try await store.recordGeneration(generation, job: job.id, cached: false, now: Self.t0)
            #expect(try await store.cachedGeneration(key: job.key) == generation)
            let creatives = try await store.creatives(job: job.id)
            let done = try await store.complete(
                job: job.id, owner: "o",
                creatives: creatives.map {
                    CreativeResult(
                        id: $0.id, state: .succeeded, file: "\($0.sizeID)/\($0.id).jpg", bytes: 10, sha256: "ab",
                        format: "jpeg")
                }, now: Self.t0 + 1)
            #expect(done)
            let batch = try #require(try await store.batch(id: "b_1"))
            #expect(batch.creatives.completed == 2 && batch.jobs.completed == 1)
            #expect(abs(batch.costUSD - 0.04) < 1e-9)
            #expect(try await store.nextDue(batch: "b_1") == nil)
        }
    }

    @Test(
        "Cancelling stops what has not started; a budget cancel leaves the batch running", arguments: StoreKind.allCases
    )
    func cancel(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await Self.submit(store, jobs: 3)
            let running = try await store.claim(
                batch: "b_1", owner: "o", limit: 1, now: Self.t0, leaseUntil: Self.t0 + 60)
            try await store.cancelPending(
                batch: "b_1", reason: "budget: max_cost_usd 1 reached", cancelBatch: false, now: Self.t0)
            var batch = try #require(try await store.batch(id: "b_1"))
            #expect(batch.state == .inProgress)
            #expect(batch.jobs.cancelled == 2 && batch.creatives.cancelled == 4)
            try await store.cancelPending(
                batch: "b_1", reason: "cancelled by the user", cancelBatch: true, now: Self.t0)
            batch = try #require(try await store.batch(id: "b_1"))
            #expect(batch.state == .cancelled && batch.reason == "cancelled by the user")
            #expect(try await store.state(batch: "b_1") == .cancelled)
            // The running job is its runner's to stop.
            try await store.cancel(job: running[0].id, reason: "cancelled", now: Self.t0)
            #expect(try await store.batch(id: "b_1")?.jobs.cancelled == 3)
        }
    }
}

/// What only the SQLite store does.
@Suite("The SQLite job store")
struct SQLiteJobStoreTests {
    @Test("The store survives reopening from its file, with WAL")
    func reopen() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        do {
            let store = try SQLiteJobStore(path: "\(folder.path)/store/adgen.sqlite")
            _ = try await StoreFixture.submit(store, jobs: 2, key: "k")
        }
        let store = try SQLiteJobStore(path: "\(folder.path)/store/adgen.sqlite")
        #expect(try await store.batch(id: "b_1")?.jobs.total == 2)
        #expect(try await store.campaignSource(batch: "b_1").bytes == Array("campaign: demo".utf8))
    }

    @Test("A store from before tenants and the finish order numbers its finished creatives in row order on opening")
    func migrateToFinishOrder() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = "\(folder.path)/adgen.sqlite"
        let queue = try DatabaseQueue(path: path)
        try SQLiteJobStore.migrator.migrate(queue, upTo: "v4: campaign snapshots")
        try await queue.write { db in
            for batch in ["b_1", "b_2"] {
                try db.execute(
                    sql: """
                        INSERT INTO batch (id, campaign, state, provider, model, campaign_file, campaign_directory,
                            campaign_source, output_directory, created_at, updated_at)
                        VALUES (?, 'demo', 'in_progress', 'local', 'procedural-v1', 'demo.yaml', 'campaign', X'00',
                            'out', 1800000000, 1800000000)
                        """,
                    arguments: [batch])
            }
            let request = #"{"height":1024,"model":"procedural-v1","prompt":"p","seed":1,"width":1024}"#
            let variant = #"{"axes":[],"id":"v","index":0,"prompt":"p","seed":1}"#
            // b_1: one generation done (its creatives made, failed or cancelled), one not started.
            for (batch, key, state) in [("b_1", "k1", "succeeded"), ("b_1", "k2", "pending"), ("b_2", "k1", "failed")] {
                try db.execute(
                    sql: "INSERT INTO job (batch_id, key, request, family, state) VALUES (?, ?, ?, '1:1', ?)",
                    arguments: [batch, key, request, state])
            }
            let creatives: [(batch: String, id: String, job: Int64, state: String)] = [
                ("b_1", "c5", 1, "succeeded"), ("b_1", "c2", 2, "pending"), ("b_2", "c1", 3, "failed"),
                ("b_1", "c3", 1, "failed"), ("b_1", "c4", 1, "cancelled"), ("b_1", "c1", 1, "succeeded"),
            ]
            for creative in creatives {
                try db.execute(
                    sql: """
                        INSERT INTO creative (batch_id, id, job_id, variant, size_id, state)
                        VALUES (?, ?, ?, ?, 'meta-feed', ?)
                        """,
                    arguments: [creative.batch, creative.id, creative.job, variant, creative.state])
            }
        }
        try queue.close()

        let store = try SQLiteJobStore(path: path)
        let finished = try await store.finishedCreatives(batch: "b_1", after: 0, limit: 10)
        #expect(finished.map(\.id) == ["c5", "c3", "c4", "c1"], "in row order")
        #expect(finished.map(\.finishedSequence) == [1, 2, 3, 4])
        #expect(try await store.creative(batch: "b_1", id: "c2")?.finishedSequence == nil)
        #expect(try await store.finishedCreatives(batch: "b_2", after: 0, limit: 10).map(\.finishedSequence) == [1])
        let batch = try #require(try await store.batch(id: "b_1"))
        #expect(batch.tenant == nil && batch.requestDigest == nil)
        #expect(try await store.batches(BatchQuery(tenant: .none, limit: 10)).batches.count == 2)

        // What finishes now comes after.
        let job = try #require(
            try await store.claim(
                batch: "b_1", owner: "o", limit: 1, now: StoreFixture.t0, leaseUntil: StoreFixture.t0 + 60
            ).first)
        #expect(
            try await store.complete(
                job: job.id, owner: "o", creatives: [CreativeResult(id: "c2", state: .succeeded)], now: StoreFixture.t0)
        )
        #expect(try await store.finishedCreatives(batch: "b_1", after: 4, limit: 10).map(\.id) == ["c2"])
        try await store.close()
    }
}

extension Date {
    fileprivate static func + (date: Date, seconds: Double) -> Date { date.addingTimeInterval(seconds) }
}
