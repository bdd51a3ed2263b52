import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

/// The manifests are written entry by entry (`Manifest.writeJSON(to:)`, `ManifestCSV.write`, a pack's
/// `DeliveryPack.CSVRows`); receivers compare them byte for byte, so each must give exactly the bytes of the
/// manifest rendered whole.
@Suite struct ManifestStreamingTests {
    /// The fixture's manifest, changed by `change`.
    static func manifest(_ change: (inout Manifest) -> Void = { _ in }) async throws -> Manifest {
        var manifest = Manifest(try await ExportFixture.shared.value.delivery())
        change(&manifest)
        return manifest
    }

    /// What `body` writes into a new `ExportFile`.
    static func written(_ body: (ExportFile) throws -> Void) throws -> [UInt8] {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = try ExportFile(creating: "\(folder.path)/out")
        try body(file)
        try file.close()
        return [UInt8](try #require(FileManager.default.contents(atPath: "\(folder.path)/out")))
    }

    enum Shape: String, CaseIterable {
        case asMade, noCreatives, noExcluded, neither, trickyText, manyCreatives
    }

    @Test(
        "manifest.json written entry by entry has the bytes of the manifest encoded at once", arguments: Shape.allCases)
    func json(shape: Shape) async throws {
        let manifest = try await Self.manifest { manifest in
            switch shape {
            case .asMade: break
            case .noCreatives: manifest.creatives = []
            case .noExcluded: manifest.excluded = []
            case .neither:
                manifest.creatives = []
                manifest.excluded = []
            case .trickyText:
                // The markers the writer splices at, inside strings; line breaks, script ends, separators, emoji.
                manifest.campaign.name = "\n  \"creatives\" : [\n\n  ]"
                manifest.creatives[0].prompt = "a\nb \"c\" </script> \u{2028} 🚀 \\ /"
                manifest.creatives[0].axes["\n  \"excluded\" : [\n\n  ]"] = "x"
                manifest.creatives[0].tags = []
                manifest.creatives[0].scores = []
                manifest.excluded[0].reason = "\n\n"
            case .manyCreatives:
                let first = manifest.creatives[0]
                manifest.creatives = (0..<500).map { index in
                    var copy = first
                    copy.id = "c\(index)"
                    copy.score = Double(index) / 500
                    return copy
                }
            }
        }
        let streamed = try Self.written { try manifest.writeJSON(to: $0) }
        #expect(streamed == manifest.json())
        #expect(try Manifest(json: streamed) == manifest)
    }

    @Test("manifest.csv written row by row has the bytes of the whole CSV")
    func csv() async throws {
        let manifest = try await Self.manifest()
        let axes = manifest.campaign.axes.map(\.name)
        let streamed = try Self.written { try ManifestCSV.write(manifest.creatives, axes: axes, to: $0) }
        #expect(streamed == Array(ManifestCSV.render(manifest.creatives, axes: axes).utf8))
        let none = try Self.written { try ManifestCSV.write([], axes: axes, to: $0) }
        #expect(none == Array(ManifestCSV.render([], axes: axes).utf8))
    }

    @Test("A pack's CSV handed out in chunks of any size is the whole CSV, and its announced length is right")
    func packRows() async throws {
        let manifest = try await Self.manifest()
        let axes = manifest.campaign.axes.map(\.name)
        let expected = Array(ManifestCSV.render(manifest.creatives, axes: axes).utf8)
        for size in [1, 7, 100, 1 << 20] {
            let rows = DeliveryPack.CSVRows(creatives: manifest.creatives, axes: axes)
            #expect(rows.count == expected.count)
            var bytes: [UInt8] = []
            while bytes.count < rows.count {
                let chunk = rows.next(size)
                #expect(chunk.count == min(size, rows.count - bytes.count))
                bytes += chunk
            }
            #expect(bytes == expected, "chunks of \(size)")
            #expect(rows.next(size).isEmpty)
        }
    }

    @Test("A file larger than a chunk is written whole, in order, and counted")
    func largeFile() throws {
        let big = (0..<(3 * ExportFile.chunkSize + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let written = try Self.written { file in
            try file.write(Array(big[0..<10]))
            try file.write(Array(big[10..<(2 * ExportFile.chunkSize)]))
            try file.write(String(decoding: big[(2 * ExportFile.chunkSize)...].map { $0 & 0x7F }, as: UTF8.self))
            #expect(file.count == big.count)
        }
        #expect(written.count == big.count)
        #expect(written[..<(2 * ExportFile.chunkSize)] == big[..<(2 * ExportFile.chunkSize)])
        #expect(
            written[(2 * ExportFile.chunkSize)...].elementsEqual(big[(2 * ExportFile.chunkSize)...].map { $0 & 0x7F }))
    }

    @Test("A file read in chunks is handed over whole and hashed whole; a missing one says so")
    func readInChunks() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let bytes = (0..<(2 * ExportFile.chunkSize + 777)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 >> 12) }
        let path = try folder.write("source.bin", bytes: bytes)
        var seen: [UInt8] = []
        var chunks = 0
        let result = try ExportFile.read(path) { chunk in
            #expect(chunk.count <= ExportFile.chunkSize)
            seen += chunk
            chunks += 1
        }
        guard case .read(let count, let digest) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(count == bytes.count && seen == bytes && chunks == 3)
        #expect(digest == sha256Hex(bytes))
        guard case .unreadable(let missing, _) = try ExportFile.read("\(folder.path)/none", { _ in }) else {
            Issue.record("a missing file was read")
            return
        }
        #expect(missing == "\(folder.path)/none")
    }
}
