import AdgenTesting
import Foundation
import Testing

@testable import AdgenCore

/// The gallery as a marketer opens it: `index.html` double-clicked, from `file://`, in a real browser (headless
/// Chromium, with none of the flags that would relax its rules for local files), its data pages loaded by the page.
@Suite struct GalleryBrowserTests {
    static let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The page's DOM once its scripts have run (up to 10 s of virtual time: every page loaded, the grid drawn), in a
    /// window `height` pixels tall.
    static func dom(_ page: String, height: Int = 900) async throws -> String {
        let browser = try #require(
            Self.browser, "a Chromium is needed: apt-get install chromium (scripts/test.sh does)")
        let profile = try TemporaryDirectory(prefix: "adgen-chromium")
        defer { profile.remove() }
        let command = [
            browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile.path)", "--window-size=1280,\(height)", "--virtual-time-budget=10000",
            "--dump-dom", URL(fileURLWithPath: page).absoluteString,
        ].map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let result = try await AdgenProcess.shell(command + " 2>/dev/null")
        try #require(result.status == 0, "chromium exited with \(result.status)")
        return result.standardOutput
    }

    /// The ids of the creative cards in `dom`, in order.
    static func cards(_ dom: String) -> [String] {
        dom.components(separatedBy: "<figure ").dropFirst().compactMap { figure in
            guard let start = figure.range(of: "data-id=\"") else { return nil }
            return String(figure[start.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// The text of the element with `id` (without its tags).
    static func text(of id: String, in dom: String) -> String? {
        guard let start = dom.range(of: "id=\"\(id)\""),
            let open = dom.range(of: ">", range: start.upperBound..<dom.endIndex),
            let close = dom.range(of: "</", range: open.upperBound..<dom.endIndex)
        else { return nil }
        return String(dom[open.upperBound..<close.lowerBound])
    }

    /// The fixture's batch exported with 2 creatives a page (7 creatives: 4 pages).
    static func export() async throws -> (export: FolderExport, root: TemporaryDirectory) {
        let root = try TemporaryDirectory()
        var configuration = FolderExporter.Configuration()
        configuration.galleryPageSize = 2
        configuration.contactSheet = false
        configuration.sizePacks = false
        configuration.platformPacks = false
        let delivery = try await ExportFixture.shared.value.delivery()
        return (try FolderExporter(root: root.path, configuration: configuration).export(delivery), root)
    }

    @Test("Opened from disk, the gallery loads every page and shows a card for every creative, best score first")
    func everyCreative() async throws {
        let (export, root) = try await Self.export()
        defer { root.remove() }
        let dom = try await Self.dom("\(export.directory)/index.html")
        let manifest = export.manifest
        let best = manifest.creatives.sorted { lhs, rhs in
            let left = lhs.score ?? -1
            let right = rhs.score ?? -1
            return left != right ? left > right : lhs.id < rhs.id
        }
        #expect(Self.cards(dom) == best.map(\.id))
        #expect(Self.text(of: "count", in: dom) == "7 of 7 creatives")
        // The size filter lists the campaign's sizes, the tag filter every tag of every page.
        for size in ["iab-mrec", "400x400"] { #expect(dom.contains("<option value=\"\(size)\">")) }
        for tag in Set(manifest.creatives.flatMap(\.tags)) {
            #expect(dom.contains("<option value=\"\(Gallery.escaped(tag))\">"), "\(tag)")
        }
        // Each card shows its picture by its relative path.
        for creative in manifest.creatives { #expect(dom.contains("src=\"\(creative.file)\""), "\(creative.file)") }
    }

    @Test("A page missing from the folder is said so on the page; the creatives read before it are shown")
    func missingPage() async throws {
        let (export, root) = try await Self.export()
        defer { root.remove() }
        try FileManager.default.removeItem(atPath: "\(export.directory)/\(Gallery.pageFile(2))")
        let dom = try await Self.dom("\(export.directory)/index.html")
        #expect(Self.cards(dom).count == 2)
        let count = try #require(Self.text(of: "count", in: dom))
        #expect(count.hasPrefix("2 of 7 creatives") && count.contains("gallery/page-0002.js could not be read"))
    }

    /// The fixture's manifest with 150 creatives, each score lower than the one before but those of the last page
    /// the best, written as a gallery of 50-creative pages into `folder` (no picture: only the cards are looked at).
    static func largeGallery(in folder: TemporaryDirectory) async throws -> (page: String, best: [String]) {
        var manifest = Manifest(try await ExportFixture.shared.value.delivery())
        let first = try #require(manifest.creatives.first)
        manifest.creatives = (0..<150).map { index in
            var copy = first
            copy.id = "c\(1000 + index)"
            copy.score = index >= 100 ? 0.99 - Double(index - 100) / 1000 : 0.5 - Double(index) / 1000
            return copy
        }
        let gallery = Gallery(pageSize: 50)
        let pages = gallery.pages(manifest.creatives.count)
        try FileManager.default.createDirectory(atPath: "\(folder.path)/gallery", withIntermediateDirectories: true)
        for number in pages {
            let file = try ExportFile(creating: "\(folder.path)/\(Gallery.pageFile(number))")
            try gallery.writePage(number, gallery.creatives(onPage: number, of: manifest.creatives), to: file)
            try file.close()
        }
        let page = try folder.write("index.html", gallery.html(manifest, pages: pages.count))
        return (page, Array(manifest.creatives[100...].map(\.id) + manifest.creatives[..<100].map(\.id)))
    }

    @Test("A large batch shows its best creatives first, from every page, and as many cards as the window holds")
    func largeBatch() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let (page, best) = try await Self.largeGallery(in: folder)
        let short = try await Self.dom(page)
        let shown = Self.cards(short)
        #expect(shown.count == 60, "the first 60 cards, not all 150 at once")
        #expect(shown == Array(best.prefix(60)), "the last page's best creatives come first")
        #expect(Self.text(of: "count", in: short) == "150 of 150 creatives")
        #expect(Self.text(of: "more", in: short) == "Scroll for 90 more")
        let tall = try await Self.dom(page, height: 20_000)
        #expect(Self.cards(tall) == best, "a window tall enough shows every card")
        #expect(Self.text(of: "more", in: tall) == "")
    }
}
