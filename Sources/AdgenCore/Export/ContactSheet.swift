import AdgenImaging
import Foundation

/// `contact-sheet.jpg`: one section per size — a heading with the size id, its dimensions, platform and count,
/// then a grid of thumbnails (best score first, each fitted into a fixed cell) with the creative's short id and
/// score under it, and how many were left out when a size has more than the cap. A cell is a square of
/// `thumbnailSize` pixels; wide banners (2:1 and wider) span two or three columns so they stay legible, their
/// cell as tall as the fitted banner.
struct ContactSheet: Sendable {
    /// Grid and cap.
    var configuration: FolderExporter.Configuration

    static let background = RGBA(red: 0xF4, green: 0xF4, blue: 0xF5)
    static let frame = RGBA(red: 0xD4, green: 0xD4, blue: 0xD8)
    static let ink = RGBA(red: 0x18, green: 0x18, blue: 0x1B)
    static let muted = RGBA(red: 0x52, green: 0x52, blue: 0x5B)
    static let rule = RGBA(red: 0xA1, green: 0xA1, blue: 0xAA)

    /// What one size's section shows.
    struct Section {
        var size: Manifest.CampaignSummary.Size
        var shown: [Manifest.CreativeEntry]
        var total: Int
    }

    /// The sections of `manifest`: its sizes in campaign order (those with no creative too), each with its best
    /// creatives, at most `maxThumbnailsPerSize`.
    func sections(_ manifest: Manifest) -> [Section] {
        let bySize = Dictionary(grouping: manifest.creatives, by: \.sizeID)
        var sizes = manifest.campaign.sizes
        for id in Set(manifest.creatives.map(\.sizeID)).subtracting(sizes.map(\.id)).sorted() {
            let first = bySize[id]?.first
            sizes.append(
                .init(
                    id: id, width: first?.width ?? 0, height: first?.height ?? 0, platform: first?.platform ?? "",
                    maxBytes: nil))
        }
        return sizes.map { size in
            let all = (bySize[size.id] ?? []).sorted { lhs, rhs in
                let left = lhs.score ?? -1
                let right = rhs.score ?? -1
                return left != right ? left > right : lhs.id < rhs.id
            }
            return Section(
                size: size, shown: Array(all.prefix(max(0, configuration.maxThumbnailsPerSize))), total: all.count)
        }
    }

    /// The sheet as JPEG bytes; `folder` is where the creatives' files are (the export being built).
    func render(_ manifest: Manifest, folder: String) throws(ExportError) -> [UInt8] {
        do {
            return try draw(manifest, folder: folder)
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError.rendering("contact sheet", reason: "\(error)")
        }
    }

    private func draw(_ manifest: Manifest, folder: String) throws -> [UInt8] {
        let thumbnail = max(48, configuration.thumbnailSize)
        let columns = max(1, configuration.columns)
        let gap = 20
        let margin = 40
        let captionHeight = 22
        let width = margin * 2 + columns * thumbnail + (columns - 1) * gap
        let inner = width - 2 * margin

        let title = try Self.text(manifest.campaign.name, font: "DejaVu Sans Bold 30", width: inner)
        let delivered = manifest.creatives.count
        let subtitle = try Self.text(
            "\(manifest.campaign.brand.name) · batch \(manifest.batch.id) · \(manifest.batch.state) · "
                + "\(delivered) creative\(delivered == 1 ? "" : "s") delivered of \(manifest.totals.creatives)",
            font: "DejaVu Sans 16", width: inner)

        struct Placed {
            var mask: Image
            var color: RGBA
            var x: Int
            var y: Int
        }
        var texts: [Placed] = []
        var rules: [Int] = []
        var cells: [(file: String, x: Int, y: Int, width: Int, height: Int)] = []
        var y = margin
        texts.append(Placed(mask: title, color: Self.ink, x: margin, y: y))
        y += title.height + 8
        texts.append(Placed(mask: subtitle, color: Self.muted, x: margin, y: y))
        y += subtitle.height + 28

        for section in sections(manifest) {
            rules.append(y)
            y += 16
            let size = section.size
            let heading = try Self.text(
                "<b>\(TextFit.escaped(size.id))</b>  \(size.width) × \(size.height) · "
                    + "\(TextFit.escaped(size.platform)) · \(section.total) creative\(section.total == 1 ? "" : "s")",
                font: "DejaVu Sans 22", width: inner, markup: true)
            texts.append(Placed(mask: heading, color: Self.ink, x: margin, y: y))
            y += heading.height + 16
            if section.shown.isEmpty {
                let none = try Self.text("No creative delivered at this size.", font: "DejaVu Sans 15", width: inner)
                texts.append(Placed(mask: none, color: Self.muted, x: margin, y: y))
                y += none.height + 24
                continue
            }
            let cell = Self.cell(for: size, thumbnail: thumbnail, columns: columns, gap: gap)
            let perRow = max(1, columns / cell.span)
            let cellHeight = cell.height + 8 + captionHeight
            for (index, creative) in section.shown.enumerated() {
                let column = index % perRow
                let row = index / perRow
                let x = margin + column * (cell.width + gap)
                let top = y + row * (cellHeight + gap)
                cells.append((creative.file, x, top, cell.width, cell.height))
                let score = creative.score.map { String(format: "%.2f", $0) } ?? "–"
                let caption = try Self.text(
                    "\(TextFit.escaped(String(creative.id.prefix(8))))  <b>\(score)</b>", font: "DejaVu Sans Mono 14",
                    width: cell.width, markup: true)
                let centred = x + max(0, (cell.width - caption.width) / 2)
                texts.append(Placed(mask: caption, color: Self.ink, x: centred, y: top + cell.height + 8))
            }
            let rows = (section.shown.count + perRow - 1) / perRow
            y += rows * cellHeight + (rows - 1) * gap + 12
            let left = section.total - section.shown.count
            if left > 0 {
                let more = try Self.text(
                    "+\(left) more with lower scores, not shown — see index.html for every creative",
                    font: "DejaVu Sans Oblique 15", width: inner)
                texts.append(Placed(mask: more, color: Self.muted, x: margin, y: y))
                y += more.height
            }
            y += 28
        }
        let height = y + margin - 28

        // Each thumbnail is made from its file (shrunk while decoding), drawn and released before the next, so the
        // sheet costs its canvas and one thumbnail, whatever the size of the creatives. The canvas has no alpha.
        let canvas = try Image.solid(width: width, height: height, color: Self.background).flattened(
            on: Self.background)
        let sheet = try canvas.drawing { canvas in
            for top in rules { canvas.fill(Self.rule, x: margin, y: top, width: inner, height: 1) }
            for cell in cells {
                let image = try Image.thumbnail(path: "\(folder)/\(cell.file)", width: cell.width, height: cell.height)
                let x = cell.x + (cell.width - image.width) / 2
                let y = cell.y + (cell.height - image.height) / 2
                canvas.fill(Self.frame, x: x - 1, y: y - 1, width: image.width + 2, height: image.height + 2)
                try canvas.draw(image, x: x, y: y)
            }
            for text in texts { try canvas.fill(text.color, mask: text.mask, x: text.x, y: text.y) }
        }
        // Standard Huffman tables: libjpeg's optimised ones need the whole picture's coefficients held for a second
        // pass (as much memory again as the canvas: 54 MB for 5 sizes of 60); this way it encodes strip by strip.
        return try sheet.encoded(EncodeOptions(format: .jpeg, quality: 86, optimizeCoding: false))
    }

    /// The cell of a size: a square, or for a banner of aspect 2:1 and wider, two or three columns wide and as
    /// tall as the banner fitted into that width.
    static func cell(for size: Manifest.CampaignSummary.Size, thumbnail: Int, columns: Int, gap: Int) -> (
        span: Int, width: Int, height: Int
    ) {
        let aspect = size.width > 0 && size.height > 0 ? Double(size.width) / Double(size.height) : 1
        let span = min(columns, aspect >= 4 ? 3 : aspect >= 2 ? 2 : 1)
        let width = span * thumbnail + (span - 1) * gap
        let height = min(thumbnail, max(24, Int((Double(width) / aspect).rounded(.up))))
        return (span, width, height)
    }

    /// One block of text, wrapped at `width`, as a coverage mask. Emoji are left out: the sheet's fonts have none,
    /// and a missing glyph would show as a box.
    private static func text(_ text: String, font: String, width: Int, markup: Bool = false) throws -> Image {
        let drawable = String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter {
                    !$0.properties.isEmojiPresentation && $0.value != 0xFE0F && $0.value != 0x200D
                }))
        return try Image.text(markup ? drawable : TextFit.escaped(drawable), font: font, width: width).mask
    }
}
