import AdgenSQLite
import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

/// The `JobStore` contract for what the HTTP service asks of a store: tenants and request digests, paged lists of
/// batches and creatives, and the order a batch's creatives finished in. Every test runs against every store
/// implementation (`StoreKind`).
@Suite("The job store contract: tenants, pages and the finish order")
struct JobStoreQueryContractTests {
    static let t0 = StoreFixture.t0

    /// Runs `job`'s creatives through `complete`, with `states` in their order (succeeded when not given).
    static func complete(
        _ job: GenerationJob, in store: some JobStore, owner: String = "o", states: [CreativeRecord.State] = []
    ) async throws {
        let creatives = try await store.creatives(job: job.id)
        let results = creatives.enumerated().map { index, creative in
            let state = index < states.count ? states[index] : .succeeded
            return state == .succeeded
                ? CreativeResult(
                    id: creative.id, state: .succeeded, file: "\(creative.sizeID)/\(creative.id).jpg", bytes: 10,
                    sha256: "ab", format: "jpeg")
                : CreativeResult(id: creative.id, state: state, failure: "layout: text does not fit")
        }
        #expect(try await store.complete(job: job.id, owner: owner, creatives: results, now: Self.t0 + 1))
    }

    /// The ids of every batch `query` lists, page after page, with the cursor passed through JSON as a client would.
    static func allPages(_ store: some JobStore, _ query: BatchQuery) async throws -> (ids: [String], pages: Int) {
        var query = query
        var ids: [String] = []
        for pages in 1...100 {
            let page = try await store.batches(query)
            ids += page.batches.map(\.id)
            guard let next = page.next else { return (ids, pages) }
            #expect(page.batches.count == query.limit, "a page before the last is full")
            #expect(next == BatchCursor(createdAt: page.batches.last!.createdAt, id: page.batches.last!.id))
            query.after = try JSONDecoder().decode(BatchCursor.self, from: JSONEncoder().encode(next))
        }
        Issue.record("paging does not end")
        return (ids, 100)
    }

    @Test(
        "A job is found by its row id, as `jobs(batch:)` lists it; an unknown id is nil", arguments: StoreKind.allCases)
    func jobByID(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await StoreFixture.submit(store, id: "b_1", jobs: 3)
            try await StoreFixture.submit(store, id: "b_2", jobs: 2)
            let listed = try await store.jobs(batch: "b_2")
            #expect(listed.count == 2)
            for job in listed { #expect(try await store.job(id: job.id) == job) }
            #expect(try await store.job(id: 999_999) == nil)
        }
    }

    @Test("A batch keeps the tenant and request digest it was submitted with", arguments: StoreKind.allCases)
    func tenantAndDigest(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (submitted, _) = try await StoreFixture.submit(
                store, id: "b_1", key: "k", tenant: "acme", requestDigest: "sha256:1111")
            #expect(submitted.tenant == "acme" && submitted.requestDigest == "sha256:1111")
            let read = try #require(try await store.batch(id: "b_1"))
            #expect(read.tenant == "acme" && read.requestDigest == "sha256:1111")
            // Submitting again under the key returns the batch with the digest it was first submitted with, so that
            // another request under the same key can be told from a retry.
            let (again, created) = try await StoreFixture.submit(
                store, id: "b_2", key: "k", tenant: "acme", requestDigest: "sha256:2222")
            #expect(!created && again.id == "b_1" && again.requestDigest == "sha256:1111")
            // The CLI's own batches have neither.
            let (cli, _) = try await StoreFixture.submit(store, id: "b_3")
            #expect(cli.tenant == nil && cli.requestDigest == nil)
            #expect(try await store.batch(id: "b_3")?.tenant == nil)
        }
    }

    @Test("Batches are listed newest first, by tenant and by state", arguments: StoreKind.allCases)
    func filters(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            for (index, tenant) in [nil, "acme", "acme", "globex", nil].enumerated() {
                try await StoreFixture.submit(
                    store, id: "b_\(index)", jobs: 1, now: Self.t0 + Double(index), tenant: tenant)
            }
            try await store.setState(batch: "b_2", .failed, reason: "disk full", now: Self.t0 + 10)
            try await store.cancelPending(
                batch: "b_4", reason: "cancelled by the user", cancelBatch: true, now: Self.t0)

            func ids(_ tenant: BatchQuery.TenantFilter, _ states: Set<Batch.State>? = nil) async throws -> [String] {
                let page = try await store.batches(BatchQuery(tenant: tenant, states: states, limit: 10))
                #expect(page.next == nil)
                return page.batches.map(\.id)
            }
            #expect(try await ids(.any) == ["b_4", "b_3", "b_2", "b_1", "b_0"])
            #expect(try await ids(.none) == ["b_4", "b_0"])
            #expect(try await ids(.tenant("acme")) == ["b_2", "b_1"])
            #expect(try await ids(.tenant("initech")) == [])
            #expect(try await ids(.any, [.queued]) == ["b_3", "b_1", "b_0"])
            #expect(try await ids(.any, [.failed, .cancelled]) == ["b_4", "b_2"])
            #expect(try await ids(.tenant("acme"), [.failed]) == ["b_2"])
            #expect(try await ids(.none, [.failed]) == [])
            #expect(try await ids(.any, []) == [])
            #expect(try await store.batches(limit: 2).map(\.id) == ["b_4", "b_3"])
            // A listed batch has its counts, as `batch(id:)` gives them.
            let listed = try #require(try await store.batches(BatchQuery(tenant: .none, limit: 1)).batches.first)
            let direct = try await store.batch(id: "b_4")
            #expect(listed == direct)
            #expect(listed.creatives.cancelled == 2 && listed.jobs.cancelled == 1)
        }
    }

    @Test(
        "Paging through batches gives each once, in order, and no cursor after the last page",
        arguments: StoreKind.allCases)
    func batchPages(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            // Three batches a second: batches created at the same moment are ordered by id.
            var expected: [(createdAt: Date, id: String, tenant: String?)] = []
            for index in 0..<25 {
                let id = String(format: "b_%02d", (index * 7) % 25)
                let now = Self.t0 + Double(index / 3) + 0.25
                let tenant = index % 5 == 0 ? nil : "acme"
                try await StoreFixture.submit(store, id: id, jobs: 1, now: now, tenant: tenant)
                expected.append((now, id, tenant))
            }
            let newestFirst = expected.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }

            let all = try await Self.allPages(store, BatchQuery(limit: 10))
            #expect(all.ids == newestFirst.map(\.id))
            #expect(all.pages == 3)
            #expect(Set(all.ids).count == 25)

            // 20 batches of acme: two full pages, the second without a cursor.
            let acme = try await Self.allPages(store, BatchQuery(tenant: .tenant("acme"), limit: 10))
            #expect(acme.ids == newestFirst.filter { $0.tenant == "acme" }.map(\.id))
            #expect(acme.ids.count == 20 && acme.pages == 2)

            // One a page: the fifth and last has no cursor.
            let one = try await Self.allPages(store, BatchQuery(tenant: .none, limit: 1))
            #expect(one.ids == newestFirst.filter { $0.tenant == nil }.map(\.id))
            #expect(one.pages == 5)
        }
    }

    @Test("Creatives are paged by id, by size and by state", arguments: StoreKind.allCases)
    func creativePages(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await StoreFixture.submit(store, jobs: 5)
            let all = try await store.creatives(batch: "b_1").map(\.id).sorted()
            #expect(all.count == 10)

            var paged: [String] = []
            var after: String?
            while true {
                let page = try await store.creatives(batch: "b_1", after: after, limit: 3, sizeID: nil, states: nil)
                guard let last = page.last else { break }
                #expect(page.count <= 3)
                paged += page.map(\.id)
                after = last.id
            }
            #expect(paged == all)

            let meta = try await store.creatives(batch: "b_1", after: nil, limit: 100, sizeID: "meta-feed", states: nil)
            #expect(meta.map(\.id) == (0..<5).map { "meta-feed-\($0)" })

            let jobs = try await store.claim(batch: "b_1", owner: "o", limit: 2, now: Self.t0, leaseUntil: Self.t0 + 60)
            try await Self.complete(jobs[0], in: store)
            try await store.fail(job: jobs[1].id, owner: "o", reason: "content policy: refused", now: Self.t0)
            #expect(
                try await store.creatives(batch: "b_1", after: nil, limit: 100, sizeID: nil, states: [.succeeded])
                    .map(\.id) == ["google-rda-square-0", "meta-feed-0"])
            #expect(
                try await store.creatives(
                    batch: "b_1", after: nil, limit: 100, sizeID: "meta-feed", states: [.failed, .cancelled]
                ).map(\.id) == ["meta-feed-1"])
            #expect(
                try await store.creatives(
                    batch: "b_1", after: "meta-feed-2", limit: 100, sizeID: "meta-feed", states: [.pending]
                ).map(\.id) == ["meta-feed-3", "meta-feed-4"])
            #expect(
                try await store.creatives(
                    batch: "b_1", after: "google-rda-square-0", limit: 2, sizeID: nil, states: [.pending]
                ).map(\.id) == ["google-rda-square-2", "google-rda-square-3"])
            #expect(try await store.creatives(batch: "b_1", after: nil, limit: 10, sizeID: nil, states: []).isEmpty)
            #expect(try await store.creatives(batch: "b_9", after: nil, limit: 10, sizeID: nil, states: nil).isEmpty)
        }
    }

    @Test("A creative is found by its batch and id, and only in its batch", arguments: StoreKind.allCases)
    func creativeByID(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await StoreFixture.submit(store, id: "b_1", jobs: 2)
            try await StoreFixture.submit(store, id: "b_2", jobs: 5)
            let creative = try #require(try await store.creative(batch: "b_2", id: "meta-feed-4"))
            #expect(creative.batchID == "b_2" && creative.sizeID == "meta-feed" && creative.state == .pending)
            #expect(try await store.creative(batch: "b_1", id: "meta-feed-1")?.batchID == "b_1")
            #expect(try await store.creative(batch: "b_1", id: "meta-feed-4") == nil, "b_2's, not b_1's")
            #expect(try await store.creative(batch: "b_9", id: "meta-feed-0") == nil)
        }
    }

    @Test(
        "Creatives take places 1, 2, 3 … in the order they finish, however they finish, and keep them",
        arguments: StoreKind.allCases)
    func finishOrder(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await StoreFixture.submit(store, id: "b_1", jobs: 6)
            try await StoreFixture.submit(store, id: "b_2", jobs: 1)
            let jobs = try await store.claim(batch: "b_1", owner: "o", limit: 3, now: Self.t0, leaseUntil: Self.t0 + 60)
            let other = try await store.claim(
                batch: "b_2", owner: "o", limit: 1, now: Self.t0, leaseUntil: Self.t0 + 60)
            #expect(try await store.finishedCreatives(batch: "b_1", after: 0, limit: 100).isEmpty)

            // One creative made, one failed at layout; then b_2 finishes (its own order); a generation fails; the
            // jobs not started are cancelled (budget); the one still running is cancelled by its runner.
            try await Self.complete(jobs[0], in: store, states: [.succeeded, .failed])
            try await Self.complete(other[0], in: store)
            try await store.fail(job: jobs[1].id, owner: "o", reason: "content policy: refused", now: Self.t0)
            try await store.cancelPending(
                batch: "b_1", reason: "budget: max_cost_usd 1 reached", cancelBatch: false, now: Self.t0)
            try await store.cancel(job: jobs[2].id, reason: "budget: max_cost_usd 1 reached", now: Self.t0)
            // Finishing again changes nothing.
            try await store.cancelPending(
                batch: "b_1", reason: "cancelled by the user", cancelBatch: true, now: Self.t0)
            try await store.cancel(job: jobs[0].id, reason: "cancelled by the user", now: Self.t0)

            let finished = try await store.finishedCreatives(batch: "b_1", after: 0, limit: 100)
            #expect(finished.map(\.finishedSequence) == (1...12).map { Int64($0) })
            #expect(Set(finished.map(\.id)).count == 12)
            let byJob = Dictionary(grouping: finished, by: \.jobID).mapValues { $0.compactMap(\.finishedSequence) }
            #expect(byJob[jobs[0].id] == [1, 2])
            #expect(byJob[jobs[1].id] == [3, 4])
            #expect(byJob[jobs[2].id] == [11, 12], "cancelled after the jobs not started")
            #expect(finished[0].state == .succeeded && finished[1].state == .failed)
            #expect(finished[2].state == .failed && finished[2].failure == "content policy: refused")
            #expect(finished[4...].allSatisfy { $0.state == .cancelled && $0.failure?.hasPrefix("budget") == true })
            #expect(
                try await store.creatives(batch: "b_1").map(\.finishedSequence).compactMap { $0 }.sorted()
                    == (1...12).map { Int64($0) })
            #expect(
                try await store.finishedCreatives(batch: "b_2", after: 0, limit: 100).map(\.finishedSequence) == [1, 2])

            // A reader that saw up to 4 gets exactly the later ones, a page at a time.
            let later = try await store.finishedCreatives(batch: "b_1", after: 4, limit: 3)
            #expect(later.map(\.finishedSequence) == [5, 6, 7])
            #expect(later.map(\.id) == finished[4..<7].map(\.id))
            #expect(
                try await store.finishedCreatives(batch: "b_1", after: 7, limit: 100).map(\.id)
                    == finished[7...].map(\.id))
            #expect(try await store.finishedCreatives(batch: "b_1", after: 12, limit: 100).isEmpty)
            #expect(try await store.creative(batch: "b_1", id: finished[5].id)?.finishedSequence == 6)

            // Judging (scores, dropping near-duplicates) keeps the order.
            let card = Scorecard(checks: [], total: 0.5, phash: PerceptualHash(value: 1), dominantColors: [], tags: [])
            try await store.judge(
                batch: "b_1",
                [
                    CreativeVerdict(id: finished[0].id, scorecard: card, dropped: "near-duplicate of meta-feed-5"),
                    CreativeVerdict(id: finished[1].id, scorecard: card, dropped: nil),
                ])
            let judged = try await store.finishedCreatives(batch: "b_1", after: 0, limit: 100)
            #expect(judged.map(\.id) == finished.map(\.id))
            #expect(judged.map(\.finishedSequence) == finished.map(\.finishedSequence))
            #expect(judged[0].dropped == "near-duplicate of meta-feed-5")
        }
    }

    @Test("A creative still pending has no place", arguments: StoreKind.allCases)
    func pendingHasNoPlace(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await StoreFixture.submit(store, jobs: 2)
            let jobs = try await store.claim(batch: "b_1", owner: "o", limit: 1, now: Self.t0, leaseUntil: Self.t0 + 60)
            // A runner that could not finish one of the creatives reports it pending: it takes no place, the next
            // finished one does.
            try await Self.complete(jobs[0], in: store, states: [.pending, .succeeded])
            let creatives = try await store.creatives(job: jobs[0].id)
            #expect(creatives.map(\.finishedSequence) == [nil, 1])
            #expect(try await store.finishedCreatives(batch: "b_1", after: 0, limit: 10).count == 1)
            #expect(try await store.creatives(batch: "b_1").filter { $0.state == .pending }.count == 3)
        }
    }
}

extension Date {
    fileprivate static func + (date: Date, seconds: Double) -> Date { date.addingTimeInterval(seconds) }
}
