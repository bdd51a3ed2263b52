import AdgenSQLite
import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

/// The `WebhookOutbox` contract, run against every store (`StoreKind`), and the events it is filled with.
@Suite struct OutboxContractTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let batch = "b_00000000000000a1"

    /// A batch of 3 jobs × 2 sizes with one endpoint for every event and one for batch.completed only; job 1
    /// finished (its two creatives made), job 2 failed.
    /// The context of the fixture's campaign: the two sizes its creatives are made at.
    static func context() throws -> BatchContext {
        try BatchContext(
            source: CampaignSource(
                bytes: Array("campaign: demo\nprompt: x\nsizes: [meta-feed, google-rda-square]\n".utf8),
                file: "demo.yaml", directory: "/tmp"))
    }

    static func batchWithResults(in store: any BatchStore) async throws -> [WebhookEndpoint] {
        _ = try await StoreFixture.submit(store, id: Self.batch, jobs: 3)
        let endpoints = try await store.register(
            batch: Self.batch,
            [
                .init(url: "https://a.example/hook", secretEnv: "A_SECRET", events: [], origin: .campaign),
                .init(
                    url: "https://b.example/hook", secretEnv: "B_SECRET", events: ["batch.completed"], origin: .campaign
                ),
            ], now: t0)
        let jobs = try await store.claim(batch: Self.batch, owner: "me", limit: 2, now: t0, leaseUntil: t0 + 60)
        let creatives = try await store.creatives(job: jobs[0].id)
        _ = try await store.complete(
            job: jobs[0].id, owner: "me",
            creatives: creatives.map {
                CreativeResult(
                    id: $0.id, state: .succeeded, file: "\($0.sizeID)/\($0.id).jpg", bytes: 10,
                    sha256: String(repeating: "a", count: 64), format: "jpeg")
            }, now: t0)
        try await store.fail(job: jobs[1].id, owner: "me", reason: "content policy: refused", now: t0)
        return endpoints
    }

    @Test(
        "Finished creatives are announced once, to the endpoints that want them; enqueueing again adds nothing",
        arguments: StoreKind.allCases)
    func announceOnce(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let endpoints = try await Self.batchWithResults(in: store)
            #expect(endpoints.count == 2)
            let delivery = WebhookDelivery(configuration: .init(), store: store, logger: .init(label: "test"))
            let context = try Self.context()
            #expect(try await delivery.announceCreatives(batch: Self.batch, context: context, now: Self.t0) == 4)
            #expect(try await delivery.announceCreatives(batch: Self.batch, context: context, now: Self.t0) == 0)
            let messages = try await store.messages(batch: Self.batch)
            #expect(messages.count == 4, "endpoint b wants batch.completed only")
            #expect(messages.allSatisfy { $0.endpointID == endpoints[0].id && $0.state == .pending })
            #expect(messages.filter { $0.type == .creativeCompleted }.count == 2)
            #expect(messages.filter { $0.type == .creativeFailed }.count == 2)
            let failed = try #require(messages.first { $0.type == .creativeFailed })
            let body = try #require(JSONSerialization.jsonObject(with: Data(failed.payload)) as? [String: Any])
            let data = try #require(body["data"] as? [String: Any])
            #expect((data["creative"] as? [String: Any])?["reason"] as? String == "content policy: refused")

            // The same messages again (same ids) are not added twice.
            try await store.enqueue(
                messages, announcing: [], batch: Self.batch, announcingBatch: false, reviving: false)
            #expect(try await store.messages(batch: Self.batch).count == 4)
        }
    }

    @Test(
        "A claimed message is leased: not claimed again until its lease ends; nextDelivery waits for the lease",
        arguments: StoreKind.allCases)
    func leases(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let endpoints = try await Self.batchWithResults(in: store)
            let message = WebhookMessage(
                id: "msg_1", endpointID: endpoints[0].id, batchID: Self.batch, type: .batchCompleted,
                payload: [123, 125],
                now: Self.t0)
            try await store.enqueue(
                [message], announcing: [], batch: Self.batch, announcingBatch: true, reviving: false)
            #expect(try await store.batchUnannounced(Self.batch) == false)
            let first = try await store.claimMessages(
                batch: Self.batch, owner: "p1", limit: 10, now: Self.t0, leaseUntil: Self.t0 + 60)
            #expect(first.map(\.id) == ["msg_1"])
            #expect(
                try await store.claimMessages(
                    batch: nil, owner: "p2", limit: 10, now: Self.t0 + 1, leaseUntil: Self.t0 + 61
                ).isEmpty)
            #expect(try await store.nextDelivery(batch: Self.batch) == Self.t0 + 60)
            #expect(try await store.messageLeaseOwners(batch: Self.batch) == ["p1"])
            try await store.releaseMessages(owner: "p1")
            let again = try await store.claimMessages(
                batch: Self.batch, owner: "p2", limit: 10, now: Self.t0 + 1, leaseUntil: Self.t0 + 61)
            #expect(again.map(\.id) == ["msg_1"])

            try await store.record(
                WebhookAttempt(
                    messageID: "msg_1", number: 1, startedAt: Self.t0 + 1, durationMilliseconds: 20, status: 500,
                    outcome: "failed", error: "HTTP 500", responseExcerpt: "oops"),
                state: .pending, nextAttemptAt: Self.t0 + 6)
            #expect(try await store.nextDelivery(batch: Self.batch) == Self.t0 + 6)
            #expect(
                try await store.claimMessages(
                    batch: Self.batch, owner: "p2", limit: 10, now: Self.t0 + 5, leaseUntil: Self.t0 + 65
                ).isEmpty)
            let third = try await store.claimMessages(
                batch: Self.batch, owner: "p2", limit: 10, now: Self.t0 + 6, leaseUntil: Self.t0 + 66)
            #expect(third.first?.attempts == 1 && third.first?.payload == [123, 125], "the same bytes, the same id")
        }
    }

    @Test(
        "410 Gone disables the endpoint: its pending messages are skipped, with the reason",
        arguments: StoreKind.allCases)
    func disable(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let endpoints = try await Self.batchWithResults(in: store)
            let delivery = WebhookDelivery(configuration: .init(), store: store, logger: .init(label: "test"))
            let context = try Self.context()
            try await delivery.announceCreatives(batch: Self.batch, context: context, now: Self.t0)
            try await store.disable(endpoint: endpoints[0].id, reason: "410 Gone", now: Self.t0)
            #expect(
                try await store.messages(batch: Self.batch).allSatisfy {
                    $0.state == .skipped && $0.lastError == "410 Gone"
                })
            #expect(try await store.endpoints(batch: Self.batch)[0].disabledReason == "410 Gone")
            #expect(try await store.endpoints(batch: Self.batch)[0].wants(.creativeCompleted) == false)
            #expect(try await store.nextDelivery(batch: Self.batch) == nil)

            // Registering the same URL again: a campaign endpoint stays disabled …
            try await store.register(
                batch: Self.batch,
                [.init(url: "https://a.example/hook", secretEnv: "A2", events: [], origin: .campaign)], now: Self.t0)
            #expect(try await store.endpoints(batch: Self.batch)[0].disabledReason == "410 Gone")
            #expect(try await store.endpoints(batch: Self.batch)[0].secretEnv == "A2")
            // … and sending again on purpose revives what was skipped, under the same ids.
            let skipped = try await store.messages(batch: Self.batch)
            try await store.enqueue(skipped, announcing: [], batch: Self.batch, announcingBatch: false, reviving: false)
            #expect(try await store.messages(batch: Self.batch).allSatisfy { $0.state == .skipped })
            try await store.enqueue(skipped, announcing: [], batch: Self.batch, announcingBatch: false, reviving: true)
            let revived = try await store.messages(batch: Self.batch)
            #expect(revived.map(\.id) == skipped.map(\.id))
            #expect(revived.allSatisfy { $0.state == .pending && $0.lastError == nil })
        }
    }

    @Test("Every event's payload validates against docs/webhook-events.schema.json", arguments: StoreKind.allCases)
    func payloadsMatchTheSchema(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            _ = try await Self.batchWithResults(in: store)
            let context = try Self.context()
            var payloads = [[UInt8]]()
            for creative in try await store.creatives(batch: Self.batch) where creative.state != .pending {
                payloads.append(try WebhookEvent.creative(creative, context: context, at: Self.t0).1)
            }
            try await store.setState(batch: Self.batch, .completed, reason: nil, now: Self.t0)
            let batch = try #require(try await store.batch(id: Self.batch))
            payloads.append(
                try WebhookEvent.batchCompleted(
                    batch, manifest: ["manifest_version": 1], manifestPath: nil, dropped: 0, at: Self.t0))
            payloads.append(
                try WebhookEvent.exportReady(
                    batch: batch, path: "/srv/out/demo/b_1", files: 9, bytes: 1234,
                    manifestSHA256: String(repeating: "b", count: 64), at: Self.t0))
            let folder = try TemporaryDirectory()
            defer { folder.remove() }
            var lines = [String]()
            for payload in payloads { lines.append(String(decoding: payload, as: UTF8.self)) }
            try folder.write("events.jsonl", lines.joined(separator: "\n"))
            let schema = Repository.path("docs/webhook-events.schema.json")
            let check = try await AdgenProcess.shell(
                """
                python3 -c '
                import json, sys, jsonschema
                schema = json.load(open(sys.argv[1]))
                for line in open(sys.argv[2]):
                    jsonschema.validate(json.loads(line), schema, format_checker=jsonschema.FormatChecker())
                print("ok")
                ' \(schema) \(folder.path)/events.jsonl
                """)
            #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
            #expect(payloads.count == 6)
        }
    }
}
