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
        var lines = [columns(axes: axes).map(field).joined(separator: ",")]
        for creative in creatives {
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
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
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
