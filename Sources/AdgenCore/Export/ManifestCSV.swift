import Foundation

/// `manifest.csv`: one row per delivered creative, for bulk-upload tools and spreadsheets.
///
/// RFC 4180: UTF-8, CRLF line ends, a header row; a field with a comma, a quote, CR or LF is quoted, quotes
/// doubled. A text field that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
/// CR) gets a leading `'`, so a campaign's copy can never execute in the reader's spreadsheet.
public enum ManifestCSV {
    /// The columns, with `axis_<name>` for each axis of the campaign, in its order.
    public static func columns(axes: [String]) -> [String] {
        ["id", "file", "size_id", "platform", "width", "height", "bytes", "sha256", "format", "score"]
            + axes.map { "axis_\($0)" } + ["seed", "provider", "model", "cost_usd", "tags", "prompt"]
    }

    /// The CSV of `creatives` (all of a manifest's, or those of one pack), with the manifest's axes.
    public static func render(_ creatives: [Manifest.CreativeEntry], axes: [String]) -> String {
        var text = header(axes: axes)
        for creative in creatives { text += row(creative, axes: axes) }
        return text
    }

    /// The header row, with its line end.
    static func header(axes: [String]) -> String {
        columns(axes: axes).map(field).joined(separator: ",") + "\r\n"
    }

    /// One creative's row, with its line end.
    static func row(_ creative: Manifest.CreativeEntry, axes: [String]) -> String {
        var row = [
            creative.id, creative.file, creative.sizeID, creative.platform, String(creative.width),
            String(creative.height), String(creative.bytes), creative.sha256, creative.format,
            creative.score.map { String($0) } ?? "",
        ]
        row += axes.map { creative.axes[$0] ?? "" }
        row += [
            String(creative.seed), creative.provider, creative.model, String(creative.costUSD),
            creative.tags.joined(separator: ";"), creative.prompt,
        ]
        return row.map(field).joined(separator: ",") + "\r\n"
    }

    /// Writes the CSV of `creatives` into `file` row by row: the same bytes as `render(_:axes:)`.
    static func write(
        _ creatives: some Sequence<Manifest.CreativeEntry>, axes: [String], to file: ExportFile
    ) throws(OutputError) {
        try file.write(header(axes: axes))
        for creative in creatives { try file.write(row(creative, axes: axes)) }
    }

    /// One field: defused, then quoted when it must be.
    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
