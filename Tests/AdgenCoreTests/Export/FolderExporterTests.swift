import AdgenImaging
import AdgenSQLite
import AdgenTesting
import Foundation
import Testing
import ZIPFoundation

@testable import AdgenCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct FolderExporterTests {
    @Test("The folder holds every delivered creative, both manifests, the packs, the contact sheet and the gallery")
    func contents() async throws {
        let fixture = try await ExportFixture.shared.value
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let export = try FolderExporter(root: root.path).export(try await fixture.delivery())
        #expect(export.directory == "\(root.path)/export-test/\(fixture.batchID)")
        let files = try filesUnder(export.directory)
        let manifest = export.manifest
        for creative in manifest.creatives {
            let bytes = try #require(files[creative.file], "\(creative.file)")
            #expect(sha256Hex(bytes) == creative.sha256)
        }
        #expect(files.keys.filter { $0.hasSuffix(".jpg") && $0 != "contact-sheet.jpg" }.count == 7)
        #expect(try Manifest(json: try #require(files["manifest.json"])) == manifest)
        #expect(files["manifest.json"] == manifest.json(), "written entry by entry, the bytes of the whole")
        #expect(export.manifestSHA256 == sha256Hex(try #require(files["manifest.json"])))
        let schema = Repository.path("docs/manifest.schema.json")
        #expect(try ManifestTests.validate("\(export.directory)/manifest.json", schema: schema) == "valid")
        #expect(files["manifest.csv"] == Array(ManifestCSV.render(manifest.creatives, axes: ["headline", "cta"]).utf8))
        #expect(files.keys.contains("gallery/page-0001.js"))
        #expect(
            Set(export.packs) == [
                "packs/size-iab-mrec.zip", "packs/size-400x400.zip", "packs/platform-iab.zip",
                "packs/platform-custom.zip",
            ])
        #expect(export.files == files.count)
        #expect(export.bytes == files.values.reduce(0) { $0 + $1.count })
        let sheet = try Image.decode(try #require(files["contact-sheet.jpg"]))
        #expect(sheet.width > 800 && sheet.height > 400)
        let csv = parseCSV(String(decoding: try #require(files["manifest.csv"]), as: UTF8.self))
        #expect(csv.count == manifest.creatives.count + 1)
        #expect(csv.dropFirst().map { $0[0] } == manifest.creatives.map(\.id))
        #expect(csv[0].contains("axis_headline") && csv[0].contains("axis_cta"))
        let headlines = Set(csv.dropFirst().map { $0[csv[0].firstIndex(of: "axis_headline")!] })
        #expect(headlines.contains("'=HYPERLINK(\"http://evil.example\", \"Run, further\")"))
        // No secret or webhook setting anywhere in the export, not even the name of the secret's variable.
        for (name, bytes) in files where !name.hasSuffix(".jpg") {
            let text = String(decoding: bytes, as: UTF8.self)
            for secret in [
                "hook-token-123", "hooks.example.com", "ADGEN_WEBHOOK_SECRET_NAME", "webhook", fixture.folder.path,
            ] {
                #expect(!text.contains(secret), "\(name) contains \(secret)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root.path)/export-test") == [fixture.batchID])
    }

    @Test("Each pack holds its creatives and its CSV, and every entry's SHA-256 is the manifest's")
    func packs() async throws {
        let fixture = try await ExportFixture.shared.value
        let root = try TemporaryDirectory()
        defer { root.remove() }
        // Every entry carries the batch's finishing time, not the time of the export (2.5 s later at least).
        try await Task.sleep(for: .seconds(2.5))
        let export = try FolderExporter(root: root.path).export(try await fixture.delivery())
        let manifest = export.manifest
        let finished = try #require(manifest.batch.finishedAt)
        let byFile = Dictionary(uniqueKeysWithValues: manifest.creatives.map { ($0.file, $0) })
        for pack in export.packs {
            let archive = try Archive(url: URL(fileURLWithPath: "\(export.directory)/\(pack)"), accessMode: .read)
            var names: [String] = []
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry, consumer: { data.append($0) })
                names.append(entry.path)
                let stamp = try #require(entry.fileAttributes[.modificationDate] as? Date)
                // ZIP times have 2-second precision: the finishing time rounded down, never later.
                let behind = finished.timeIntervalSince(stamp)
                #expect(behind >= 0 && behind < 2, "\(pack): \(entry.path) dated \(stamp)")
                if entry.path == "manifest.csv" { continue }
                let creative = try #require(byFile[entry.path], "\(pack): \(entry.path)")
                #expect(sha256Hex(data) == creative.sha256, "\(pack): \(entry.path)")
            }
            #expect(names.first == "manifest.csv")
            let expected = manifest.creatives.filter { creative in
                pack.hasPrefix("packs/size-")
                    ? pack == "packs/size-\(creative.sizeID).zip"
                    : pack == "packs/platform-\(creative.platform.lowercased()).zip"
            }.map(\.file)
            #expect(Array(names.dropFirst()) == expected, "\(pack)")
            let csv = parseCSV(
                String(
                    decoding: try Self.entry("manifest.csv", in: archive), as: UTF8.self))
            #expect(csv.dropFirst().map { $0[1] } == expected, "\(pack)'s manifest.csv")
            let rows = ManifestCSV.render(expected.compactMap { byFile[$0] }, axes: ["headline", "cta"])
            #expect(try Self.entry("manifest.csv", in: archive) == Data(rows.utf8), "\(pack)'s manifest.csv")
        }
    }

    static func entry(_ path: String, in archive: Archive) throws -> Data {
        let entry = try #require(archive[path])
        var data = Data()
        _ = try archive.extract(entry, consumer: { data.append($0) })
        return data
    }

    @Test("Exporting the same batch twice gives byte-identical files, zips, contact sheet and gallery included")
    func idempotent() async throws {
        let fixture = try await ExportFixture.shared.value
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        defer {
            first.remove()
            second.remove()
        }
        let a = try FolderExporter(root: first.path).export(try await fixture.delivery())
        let b = try FolderExporter(root: second.path).export(try await fixture.delivery())
        let left = try filesUnder(a.directory)
        let right = try filesUnder(b.directory)
        #expect(left.keys.sorted() == right.keys.sorted())
        for (name, bytes) in left {
            #expect(right[name] == bytes, "\(name) differs")
        }
        #expect(left.keys.contains("contact-sheet.jpg") && left.keys.contains("index.html"))
        #expect(left.keys.contains { $0.hasSuffix(".zip") })
    }

    @Test("A new export replaces an old one completely, and leftovers of an interrupted export are removed")
    func atomicSwap() async throws {
        let fixture = try await ExportFixture.shared.value
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let campaignFolder = "\(root.path)/export-test"
        let id = fixture.batchID
        try root.write("export-test/\(id)/stale.txt", "from an older export")
        try root.write("export-test/\(id)/iab-mrec/gone.jpg", "old")
        try root.write("export-test/.\(id).partial-deadbeef/manifest.json", "{")
        try root.write("export-test/.\(id).old-0badf00d/manifest.json", "{}")
        try root.write("export-test/.b_other.partial-12345678/keep.txt", "another batch's")
        let export = try FolderExporter(root: root.path).export(try await fixture.delivery())
        #expect(export.removedLeftovers == 2)
        let files = try filesUnder(export.directory)
        #expect(files["stale.txt"] == nil && files["iab-mrec/gone.jpg"] == nil)
        #expect(files["manifest.json"] != nil)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: campaignFolder).sorted() == [
                ".b_other.partial-12345678", id,
            ])
        // Again: the previous export is moved aside and removed, nothing else is left.
        _ = try FolderExporter(root: root.path).export(try await fixture.delivery())
        #expect(try filesUnder(export.directory) == files)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: campaignFolder).sorted() == [
                ".b_other.partial-12345678", id,
            ])
    }

    @Test(
        "Names from the campaign never lead outside the root",
        arguments: [
            "../../etc", "/abs/path", "a\u{0}b", "CON", "nul.txt", "🚀 launch 🚀", String(repeating: "long-", count: 60),
        ])
    func pathSafety(name: String) async throws {
        var delivery = try await ExportFixture.shared.value.delivery()
        delivery.campaign.name = name
        let parent = try TemporaryDirectory()
        defer { parent.remove() }
        let root = "\(parent.path)/root"
        let export = try FolderExporter(root: root).export(delivery)
        #expect(export.directory.hasPrefix(root + "/"))
        let folder = SafeName.component(name)
        #expect(export.directory == "\(root)/\(folder)/\(delivery.batch.id)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["root"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == [folder])
        #expect(folder.utf8.count <= 100)
        let html = String(
            decoding: try #require(FileManager.default.contents(atPath: "\(export.directory)/index.html")),
            as: UTF8.self)
        #expect(html.contains("<h1>\(Gallery.escaped(name))</h1>"))
    }

    @Test("A path that would leave the root is refused")
    func insideRoot() throws {
        #expect(throws: ExportError.outsideRoot) {
            try FolderExporter.inside("/r/a/../../etc", root: "/r", name: "x")
        }
        #expect(throws: ExportError.outsideRoot) { try FolderExporter.inside("/r", root: "/r", name: "x") }
        #expect(throws: ExportError.outsideRoot) { try FolderExporter.inside("/rx/a", root: "/r", name: "x") }
        #expect(try FolderExporter.inside("/r/./a//b", root: "/r", name: "x") == "/r/a/b")
    }

    @Test("A root under a regular file is a clear error; nothing is written and the store is unchanged")
    func unwritableRoot() async throws {
        let fixture = try await ExportFixture.shared.value
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let file = try folder.write("not-a-folder", "x")
        let before = try await fixture.delivery()
        let error = try #require(throws: ExportError.self) {
            try FolderExporter(root: "\(file)/exports").export(before)
        }
        #expect(error == .unwritable)
        #expect(error.description.contains("cannot write the export to \(file)/exports"))
        #expect(error.description.contains("Not a directory"))
        #expect(error.description.contains("adgen export \(fixture.batchID) --to folder:DIR"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["not-a-folder"])
        let after = try await fixture.delivery()
        #expect(after.batch == before.batch && after.jobs == before.jobs)
        #expect(after.creatives.map(\.sha256) == before.creatives.map(\.sha256))
    }

    @Test("A read-only file system is a clear error, and nothing is left half-written (as root: a read-only tmpfs)")
    func readOnlyFileSystem() async throws {
        guard geteuid() == 0 else { return }
        let fixture = try await ExportFixture.shared.value
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let mountPoint = "\(folder.path)/ro"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try await AdgenProcess.shell("mount -t tmpfs -o ro,size=1m tmpfs '\(mountPoint)'")
        guard mount.status == 0 else { return }  // no mount permission in this container
        defer { _ = try? Self.run("/bin/umount", ["-l", mountPoint]) }
        let delivery = try await fixture.delivery()
        let error = try #require(throws: ExportError.self) {
            try FolderExporter(root: mountPoint).export(delivery)
        }
        #expect(error == .unwritable)
        #expect(error.description.contains("Read-only file system"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).isEmpty)
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("A missing or changed creative file is an error naming it; an earlier export stays as it was")
    func missingOrChangedSource() async throws {
        let fixture = try await ExportFixture.shared.value
        let (delivery, copy) = try await fixture.copy()
        defer { copy.remove() }
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let exporter = FolderExporter(root: root.path)
        let good = try exporter.export(delivery)
        let before = try filesUnder(good.directory)
        let victim = try #require(good.manifest.creatives.last)
        let source = "\(delivery.batch.outputDirectory)/\(victim.file)"

        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: source)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: source))
        let changed = try #require(throws: ExportError.self) { try exporter.export(delivery) }
        #expect(changed == .changedSource)
        #expect(changed.description.contains(victim.id) && changed.description.contains(source))
        #expect(changed.description.contains("adgen resume \(delivery.batch.id)"))

        try FileManager.default.removeItem(atPath: source)
        let missing = try #require(throws: ExportError.self) { try exporter.export(delivery) }
        #expect(missing == .missingSource)
        #expect(missing.description.contains(victim.id) && missing.description.contains("missing"))

        #expect(try filesUnder(good.directory) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(root.path)/export-test") == [delivery.batch.id])

        // Into a new root: not even the campaign's folder is left behind.
        let fresh = try TemporaryDirectory()
        defer { fresh.remove() }
        #expect(throws: ExportError.missingSource) {
            try FolderExporter(root: "\(fresh.path)/exports").export(delivery)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh.path).isEmpty)
    }

    @Test("An unknown batch is a clear error")
    func unknownBatch() async throws {
        let fixture = try await ExportFixture.shared.value
        let error = try await #require(throws: ExportError.self) {
            try await DeliveryBatch.load(
                batch: "b_0000000000000000", context: fixture.context, dataRoot: fixture.dataRoot,
                from: try SQLiteJobStore(path: fixture.storePath))
        }
        #expect(error == .noSuchBatch && error.description.contains("b_0000000000000000"))
    }

    @Test("The contact sheet shows at most the cap per size, best scores first, and counts the rest")
    func contactSheetCap() async throws {
        let manifest = Manifest(try await ExportFixture.shared.value.delivery())
        var configuration = FolderExporter.Configuration()
        configuration.maxThumbnailsPerSize = 2
        let sections = ContactSheet(configuration: configuration).sections(manifest)
        #expect(sections.map(\.size.id) == ["iab-mrec", "400x400"])
        for section in sections {
            let all = manifest.creatives.filter { $0.sizeID == section.size.id }
            #expect(section.total == all.count && section.shown.count == min(2, all.count))
            let best = all.map { $0.score ?? -1 }.sorted(by: >).prefix(2)
            #expect(section.shown.map { $0.score ?? -1 } == Array(best))
        }
    }

    @Test("Banners span columns on the contact sheet; squares and portraits take one square cell")
    func contactSheetCells() {
        func cell(_ width: Int, _ height: Int) -> (span: Int, width: Int, height: Int) {
            ContactSheet.cell(
                for: .init(id: "s", width: width, height: height, platform: "p", maxBytes: nil), thumbnail: 200,
                columns: 6, gap: 20)
        }
        #expect(cell(1080, 1080) == (1, 200, 200))
        #expect(cell(1080, 1920) == (1, 200, 200))
        #expect(cell(300, 250) == (1, 200, 167))
        #expect(cell(1200, 628) == (1, 200, 105))
        #expect(cell(970, 250) == (2, 420, 109))
        #expect(cell(728, 90) == (3, 640, 80))
        #expect(cell(320, 50) == (3, 640, 100))
    }

    @Test(
        "The gallery is self-contained and paged: campaign text escaped, no creative in index.html, each on one page"
    )
    func gallery() async throws {
        var delivery = try await ExportFixture.shared.value.delivery()
        delivery.campaign.name = "</script><script>alert(1)</script> & \u{2028}"
        let tricky = try #require(delivery.creatives.firstIndex { $0.state == .succeeded && $0.dropped == nil })
        delivery.creatives[tricky].variant.prompt = "</script><script>alert(2)</script> \u{2029} & done"
        let root = try TemporaryDirectory()
        defer { root.remove() }
        var configuration = FolderExporter.Configuration()
        configuration.galleryPageSize = 3
        configuration.contactSheet = false
        let export = try FolderExporter(root: root.path, configuration: configuration).export(delivery)
        let manifest = export.manifest
        let files = try filesUnder(export.directory)
        let html = String(decoding: try #require(files["index.html"]), as: UTF8.self)
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; \u{2028}</h1>"))
        #expect(html.contains("Acme &amp; Sons &lt;Outdoor&gt;"))

        // index.html holds what the filters need, not the creatives.
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"gallery\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let embedded = String(html[start.upperBound..<end.lowerBound])
        #expect(!embedded.contains("<") && !embedded.contains("&") && !embedded.contains("\u{2028}"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? [String: Any])
        #expect(summary["total"] as? Int == 7 && summary["pages"] as? Int == 3)
        #expect(summary["tags"] as? [String] == Array(Set(manifest.creatives.flatMap(\.tags))).sorted())
        let sizes = try #require(summary["sizes"] as? [[String: Any]])
        #expect(sizes.compactMap { $0["id"] as? String } == ["iab-mrec", "400x400"])
        for creative in manifest.creatives { #expect(!html.contains(creative.id), "\(creative.id) in index.html") }

        // The pages: every delivered creative once, in manifest order, at most 3 a page.
        let pages = files.keys.filter { $0.hasPrefix("gallery/") }.sorted()
        #expect(pages == ["gallery/page-0001.js", "gallery/page-0002.js", "gallery/page-0003.js"])
        var ids: [String] = []
        for (index, page) in pages.enumerated() {
            let text = String(decoding: try #require(files[page]), as: UTF8.self)
            let opening = "adgenGallery.page(\(index + 1), ["
            #expect(text.hasPrefix(opening) && text.hasSuffix("]);\n"), "\(page)")
            #expect(!text.contains("<") && !text.contains("&") && !text.contains("\u{2029}"), "\(page)")
            let json = text.dropFirst(opening.count - 1).dropLast(3)
            let cards = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            #expect(cards.count <= 3)
            for card in cards {
                let id = try #require(card["id"] as? String)
                let creative = try #require(manifest.creatives.first { $0.id == id })
                #expect(card["file"] as? String == creative.file && card["size_id"] as? String == creative.sizeID)
                #expect(card["tags"] as? [String] == creative.tags && card["prompt"] as? String == creative.prompt)
                #expect((card["scores"] as? [Any])?.count == creative.scores.count)
                ids.append(id)
            }
        }
        #expect(ids == manifest.creatives.map(\.id))
        for (name, bytes) in files where name == "index.html" || name.hasPrefix("gallery/") {
            let text = String(decoding: bytes, as: UTF8.self).lowercased()
            for external in [
                "src=\"http", "href=\"http", "src=\"//", "@import", "url(", "fetch(", "xmlhttprequest", "cdn",
            ] {
                #expect(!text.contains(external), "\(name): \(external)")
            }
        }
        for filter in ["f-size", "f-tag", "f-min", "f-sort", "f-axis-"] { #expect(html.contains(filter)) }
    }
}
