import AdgenTesting
import Foundation
import Testing

/// A campaign with bad pipeline values, as a new user writes one: `validate`, `run` and `render` all refuse it
/// with every error at its FILE:LINE:COL (exit 65), and `run` stores nothing.
@Suite struct InvalidCampaignTests {
    static let campaign = """
        campaign: invalid
        brand: { name: Acme, colors: ["#FF5A1F"] }
        axes: { headline: ["Run further."] }
        prompt: "photo of a trail shoe"
        sizes: [iab-mrec]
        pipeline:
          - upscale: { factor: 20 }
          - crop: { strategy: sideways }
          - encode: { format: gif, quality: 500, max_kb: -3 }
          - layout
        scoring: { below_min: delete }
        export:
          - webhook: { url: "https://hooks.example.com/adgen", events: [batch.done] }
        """

    /// Each error's `FILE:LINE:COL: error:` and a piece of what it says, in file order.
    static let expected: [(position: String, says: String)] = [
        ("bad.yaml:7:24: error:", "upscale.factor must be between 1.0 and 8.0, found 20.0"),
        ("bad.yaml:8:23: error:", "unknown crop strategy 'sideways'"),
        ("bad.yaml:9:5: error:", "encode must be the last step; 'layout' (line 10) comes after it"),
        ("bad.yaml:9:23: error:", "unknown encode.format 'gif'"),
        ("bad.yaml:9:37: error:", "encode.quality must be between 1 and 100, found 500"),
        ("bad.yaml:9:50: error:", "encode.max_kb (kilobytes) must be between 1 and 1000000, found -3"),
        ("bad.yaml:11:23: error:", "scoring.below_min must be 'drop' or 'flag', found 'delete'"),
        ("bad.yaml:13:65: error:", "unknown event 'batch.done'"),
    ]

    /// Checks that `output` has exactly the expected errors, one per line, in order.
    static func expectEveryError(in output: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = output.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(lines.count == expected.count, "\(output)", sourceLocation: sourceLocation)
        for (line, error) in zip(lines, expected) {
            #expect(line.hasPrefix(error.position), "\(line)", sourceLocation: sourceLocation)
            #expect(line.contains(error.says), "\(line)", sourceLocation: sourceLocation)
        }
    }

    @Test func validateReportsEveryErrorWithItsPosition() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("bad.yaml", Self.campaign)
        let result = try await AdgenProcess.run(["validate", "bad.yaml"], in: folder.path)
        #expect(result.status == 65)
        #expect(!result.standardOutput.contains("ok"))
        Self.expectEveryError(in: result.standardError)
    }

    @Test func runRefusesTheCampaignWithExit65AndStoresNothing() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("bad.yaml", Self.campaign)
        let result = try await AdgenProcess.run(
            ["run", "bad.yaml", "--store", "s/adgen.sqlite", "--json"], in: folder.path)
        #expect(result.status == 65, "\(result.standardError)")
        #expect(result.standardOutput.isEmpty, "no batch is printed")
        Self.expectEveryError(in: result.standardError)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/s/adgen.sqlite"), "no store is made")
        let status = try await AdgenProcess.run(["status", "--store", "s/adgen.sqlite", "--json"], in: folder.path)
        #expect(status.status == 0, "\(status.standardError)")
        let batches = try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [Any]
        #expect(batches?.isEmpty == true, "\(status.standardOutput)")
    }

    @Test func renderReportsEveryErrorAndWritesNothing() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("bad.yaml", Self.campaign)
        let result = try await AdgenProcess.run(["render", "bad.yaml", "--out", "out"], in: folder.path)
        #expect(result.status == 65)
        Self.expectEveryError(in: result.standardError)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out"))
    }

    @Test func aCampaignThatValidatesIsOneRenderRuns() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let fixes = [
            ("factor: 20", "factor: 2"), ("strategy: sideways", "strategy: entropy"),
            ("  - encode: { format: gif, quality: 500, max_kb: -3 }\n  - layout", "  - layout\n  - encode: jpg"),
            ("delete", "drop"), ("batch.done", "batch.completed"),
        ]
        let good = fixes.reduce(Self.campaign) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        #expect(good != Self.campaign && !good.contains("sideways") && !good.contains("gif"))
        try folder.write("good.yaml", good)
        let validate = try await AdgenProcess.run(["validate", "good.yaml"], in: folder.path)
        #expect(validate.status == 0, "\(validate.standardError)")
        #expect(validate.standardOutput.contains("ok good.yaml: 1 variants × 1 sizes"))
        let render = try await AdgenProcess.run(["render", "good.yaml", "--out", "out"], in: folder.path)
        #expect(render.status == 0, "\(render.standardError)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out/iab-mrec")
        #expect(files.count == 1 && files.allSatisfy { $0.hasSuffix(".jpg") }, "\(files)")
    }
}
