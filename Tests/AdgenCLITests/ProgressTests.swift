import AdgenTesting
import Foundation
import Testing

/// What `adgen run` prints while a batch runs, in each `--progress` mode, off a terminal (as CI and supervisors see it).
@Suite(.serialized) struct ProgressTests {
    static let campaign = BatchCommandTests.campaign(audiences: 2)

    @Test("--progress json: one JSON event per line on stdout, started first and finished last, counts growing")
    func json() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign)
        let run = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--progress", "json", "--out", "out"], in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let events = try run.standardOutput.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.first == "started" && types.last == "finished", "\(types)")
        #expect(types.contains("exported"))
        let done = events.compactMap { event -> Int? in
            guard let progress = event["progress"] as? [String: Any],
                let creatives = progress["creatives"] as? [String: Any], let total = creatives["total"] as? Int,
                let completed = creatives["completed"] as? Int
            else { return nil }
            #expect(total == 16)
            return completed
        }
        #expect(done == done.sorted() && done.last == 16, "\(done)")
        #expect(run.standardError.isEmpty, "json mode leaves stderr to errors: \(run.standardError)")
    }

    @Test("Off a terminal, progress is a line at the start, every 10 s and at the end, on stderr")
    func lines() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("c.yaml", Self.campaign)
        let run = try await AdgenProcess.run(["run", "c.yaml", "--store", "s/adgen.sqlite"], in: folder.path)
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardError.split(separator: "\n").map(String.init)
        #expect(lines.count >= 2, "\(lines)")
        #expect(lines.first?.contains(" 0/16 ") == true, "\(lines)")
        #expect(lines.last?.contains("completed 16/16") == true, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("b_") && !$0.contains("\u{1B}") }, "no terminal codes: \(lines)")

        let quiet = try await AdgenProcess.run(
            ["run", "c.yaml", "--store", "s/adgen.sqlite", "--new", "--progress", "none"], in: folder.path)
        #expect(quiet.status == 0 && quiet.standardError.isEmpty, "\(quiet.standardError)")
    }
}
