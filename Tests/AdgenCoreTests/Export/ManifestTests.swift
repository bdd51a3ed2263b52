import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

@Suite struct ManifestTests {
    @Test(
        "The manifest lists every delivered creative once, with the store's checksums, and every other one with its reason"
    )
    func matchesTheStore() async throws {
        let fixture = try await ExportFixture.shared.value
        let delivery = try await fixture.delivery()
        let manifest = Manifest(delivery)
        let records = delivery.creatives
        #expect(records.count == 8)
        let delivered = records.filter { $0.state == .succeeded && $0.dropped == nil }
        #expect(manifest.creatives.count == delivered.count)
        #expect(Set(manifest.creatives.map(\.id)) == Set(delivered.map(\.id)))
        #expect(Set(manifest.creatives.map(\.id)).count == manifest.creatives.count, "no creative twice")
        for entry in manifest.creatives {
            let record = try #require(records.first { $0.id == entry.id })
            #expect(entry.sha256 == record.sha256 && entry.bytes == record.bytes)
            #expect(entry.file == "\(record.sizeID)/\(record.id).jpg")
            #expect(entry.score == record.scorecard?.total)
            #expect(entry.scores.map(\.name) == record.scorecard?.checks.map(\.name))
            #expect(entry.axes["headline"] != nil && entry.axes["cta"] != nil)
            #expect(entry.provider == "local" && entry.model == "procedural-v1")
        }
        #expect(manifest.excluded.count == 1)
        #expect(manifest.excluded.first?.state == "dropped")
        #expect(manifest.excluded.first?.reason == "near-duplicate of another creative")
        #expect(manifest.totals.creatives == 8 && manifest.totals.made == 8 && manifest.totals.delivered == 7)
        #expect(manifest.totals.dropped == 1 && manifest.totals.generations == delivery.jobs.count)
        #expect(delivery.jobs.count >= 1 && manifest.totals.generationsFailed == 0)
        #expect(manifest.batch.idempotencyKey == "test-key" && manifest.batch.state == "completed")
        #expect(manifest.batch.finishedAt != nil)
        // Size order of the campaign, then id.
        let order = manifest.creatives.map { ($0.sizeID == "iab-mrec" ? 0 : 1, $0.id) }
        #expect(order.map(\.0) == order.map(\.0).sorted())
        for size in ["iab-mrec", "400x400"] {
            let ids = manifest.creatives.filter { $0.sizeID == size }.map(\.id)
            #expect(ids == ids.sorted())
        }
        #expect(manifest == Manifest(delivery), "deterministic")
        #expect(try Manifest(json: manifest.json()) == manifest, "reads back")
    }

    @Test(
        "Failed and cancelled creatives are excluded with their reasons; a generation's cost is split among its creatives"
    )
    func excludedAndCost() async throws {
        var delivery = try await ExportFixture.shared.value.delivery()
        delivery.creatives.sort { $0.id < $1.id }
        let failedID = delivery.creatives[2].id
        delivery.creatives[2].state = .failed
        delivery.creatives[2].failure = "layout: headline does not fit"
        delivery.creatives[3].state = .cancelled
        delivery.creatives[3].failure = "budget: cap of $1.00 reached"
        delivery.creatives[4].state = .pending
        delivery.batch.state = .inProgress
        delivery.batch.finishedAt = nil
        delivery.jobs[0].costUSD = 0.04
        delivery.batch.costUSD = 0.04
        let manifest = Manifest(delivery)
        let excluded = Dictionary(uniqueKeysWithValues: manifest.excluded.map { ($0.id, $0) })
        #expect(excluded[failedID]?.state == "failed")
        #expect(excluded[failedID]?.reason == "layout: headline does not fit")
        #expect(excluded[delivery.creatives[3].id]?.reason == "budget: cap of $1.00 reached")
        #expect(manifest.totals.failed == 1 && manifest.totals.cancelled == 1 && manifest.totals.pending == 1)
        #expect(excluded[delivery.creatives[4].id]?.reason == "not made yet: the batch is in_progress")
        #expect(manifest.batch.finishedAt == nil && manifest.batch.state == "in_progress")
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = try folder.write("partial.json", bytes: manifest.json())
        #expect(try Self.validate(file, schema: Repository.path("docs/manifest.schema.json")) == "valid")
        let job = delivery.jobs[0].id
        let share = 0.04 / Double(delivery.creatives.count { $0.jobID == job })
        for entry in manifest.creatives {
            let record = try #require(delivery.creatives.first { $0.id == entry.id })
            #expect(abs(entry.costUSD - (record.jobID == job ? share : 0)) < 0.000_001)
        }
        #expect(manifest.costUSD == 0.04)
    }

    @Test("manifest.json validates against docs/manifest.schema.json, and a broken one does not")
    func schema() async throws {
        let manifest = Manifest(try await ExportFixture.shared.value.delivery())
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let good = try folder.write("good.json", bytes: manifest.json())
        var object = try #require(try JSONSerialization.jsonObject(with: Data(manifest.json())) as? [String: Any])
        var creatives = try #require(object["creatives"] as? [[String: Any]])
        creatives[0]["sha256"] = "not-a-checksum"
        creatives[0].removeValue(forKey: "size_id")
        object["creatives"] = creatives
        let bad = try folder.write("bad.json", bytes: [UInt8](try JSONSerialization.data(withJSONObject: object)))
        let schema = Repository.path("docs/manifest.schema.json")
        #expect(try Self.validate(good, schema: schema) == "valid")
        #expect(try Self.validate(bad, schema: schema).hasPrefix("invalid"))
    }

    /// `valid`, or `invalid: …`, from python-jsonschema (Draft 2020-12, formats checked).
    static func validate(_ file: String, schema: String) throws -> String {
        let script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            errors = sorted(validator.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.path))
            print("valid" if not errors else "invalid: " + "; ".join(e.message for e in errors))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema, file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with jsonschema is needed: pip install jsonschema")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
