import Testing

@testable import AdgenCore

@Suite struct ManifestCSVTests {
    static func entry(id: String, headline: String, tags: [String], prompt: String) -> Manifest.CreativeEntry {
        Manifest.CreativeEntry(
            id: id, variantID: "v1", file: "iab-mrec/\(id).jpg", sizeID: "iab-mrec", platform: "IAB", width: 300,
            height: 250, bytes: 1234, sha256: String(repeating: "a", count: 64), format: "jpeg", prompt: prompt,
            negativePrompt: nil, axes: ["headline": headline, "cta": "@once"], seed: 7, provider: "local",
            model: "procedural-v1", costUSD: 0.013333, score: 0.75, scores: [], tags: tags, events: [])
    }

    @Test("Quoted fields, doubled quotes, CR/LF inside a field and formula-like cells parse back as written, defused")
    func roundTrip() {
        let tricky = [
            Self.entry(
                id: "c1", headline: "=HYPERLINK(\"http://evil.example\", \"Run, further\")", tags: ["a", "b;c"],
                prompt: "line one\r\nline \"two\", three"),
            Self.entry(id: "c2", headline: "+1 for you", tags: [], prompt: "-cmd|' /C calc'!A0"),
            Self.entry(id: "c3", headline: "plain", tags: ["headline:plain"], prompt: "\tTabbed"),
        ]
        let text = ManifestCSV.render(tricky, axes: ["headline", "cta"])
        #expect(text.hasSuffix("\r\n"))
        let rows = parseCSV(text)
        #expect(rows.count == 4)
        let header = rows[0]
        #expect(header == ManifestCSV.columns(axes: ["headline", "cta"]))
        #expect(header.contains("axis_headline") && header.contains("axis_cta"))
        #expect(rows.allSatisfy { $0.count == header.count })
        func cell(_ row: Int, _ column: String) -> String { rows[row][header.firstIndex(of: column)!] }
        #expect(cell(1, "axis_headline") == "'=HYPERLINK(\"http://evil.example\", \"Run, further\")")
        #expect(cell(1, "prompt") == "line one\r\nline \"two\", three")
        #expect(cell(1, "tags") == "a;b;c")
        #expect(cell(1, "axis_cta") == "'@once")
        #expect(cell(2, "axis_headline") == "'+1 for you")
        #expect(cell(2, "prompt") == "'-cmd|' /C calc'!A0")
        #expect(cell(3, "prompt") == "'\tTabbed")
        #expect(cell(3, "axis_headline") == "plain")
        #expect(cell(1, "score") == "0.75" && cell(1, "width") == "300" && cell(1, "cost_usd") == "0.013333")
        for row in rows.dropFirst() {
            for value in row {
                #expect(!["=", "+", "-", "@", "\t"].contains(value.first.map(String.init) ?? ""), "\(value)")
            }
        }
    }
}
