import Foundation
import Yams

/// A YAML file checked byte by byte, parsed with positions, and able to map a scalar's text back to the file.
///
/// The byte checks run before libyaml sees the file, so a 50 MB file, a binary or a non-UTF-8 file gets a
/// positioned error at once instead of a parser's guess.
struct YAMLSource {
    /// The file as the user named it.
    let file: String
    /// The text, as Unicode scalars, for mapping scalar offsets to lines and columns.
    let scalars: [Unicode.Scalar]
    /// Line starts, for turning scalar indices into lines and columns.
    let lines: LineTable
    /// The parsed root node (nil for an empty document).
    let root: Node?

    /// Checks the bytes and parses them; throws every problem found as positioned diagnostics.
    init(bytes: [UInt8], file: String, maxBytes: Int) throws(CampaignError) {
        self.file = file
        let text = try Self.checkedText(bytes, file: file, maxBytes: maxBytes)
        scalars = Array(text.unicodeScalars)
        lines = LineTable(text)
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw CampaignError([Self.diagnostic(for: error, file: file, lines: text)])
        } catch {
            throw CampaignError([Diagnostic(SourceLocation(file: file, line: 1, column: 1), "\(error)")])
        }
    }

    /// The location of a node's first character.
    func location(of node: Node) -> SourceLocation {
        location(node.mark)
    }

    /// The location of a mark.
    func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// For each Unicode scalar of a scalar node's value, its location in the file.
    ///
    /// Quotes, escapes, folded line breaks and block indentation make the value differ from the raw text,
    /// so the value is aligned with the raw text greedily: each character is found at or after the previous
    /// one. Ordinary text lands exactly; an escape sequence lands on its backslash's neighbourhood.
    func locations(ofValueOf node: Node) -> [SourceLocation] {
        guard let scalar = node.scalar, let mark = scalar.mark else { return [] }
        let line = mark.line - 1
        guard line < lines.starts.count else { return [] }
        var raw = lines.starts[line] + mark.column - 1
        switch scalar.style {
        case .singleQuoted, .doubleQuoted: raw += 1
        case .literal, .folded:
            // The value starts on the line after the `|` or `>` indicator.
            raw = line + 1 < lines.starts.count ? lines.starts[line + 1] : scalars.count
        default: break
        }
        var result = [SourceLocation]()
        let value = Array(scalar.string.unicodeScalars)
        result.reserveCapacity(value.count + 1)
        for character in value {
            var probe = raw
            let limit = min(scalars.count, raw + 256)
            while probe < limit, scalars[probe] != character { probe += 1 }
            if probe < limit {
                result.append(position(ofScalarIndex: probe))
                raw = probe + 1
            } else {
                result.append(position(ofScalarIndex: min(raw, scalars.count)))
            }
        }
        result.append(position(ofScalarIndex: min(raw, scalars.count)))
        return result
    }

    /// The location of the scalar at `index` in the file's text.
    func position(ofScalarIndex index: Int) -> SourceLocation {
        lines.location(ofScalar: index, file: file)
    }

    // MARK: Byte checks

    /// Decodes UTF-8 after checking size, encoding and control characters.
    static func checkedText(_ bytes: [UInt8], file: String, maxBytes: Int) throws(CampaignError) -> String {
        func fail(_ line: Int, _ column: Int, _ message: String, hint: String? = nil) -> CampaignError {
            CampaignError([Diagnostic(SourceLocation(file: file, line: line, column: column), message, hint: hint)])
        }
        if bytes.count > maxBytes {
            throw fail(
                1, 1,
                "file is \(ByteCount.describe(bytes.count)), larger than the \(ByteCount.describe(maxBytes)) a campaign or template file may be",
                hint: "is this the right file? split long lists into wildcard files")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0xFE, 0xFF]) {
            throw fail(1, 1, "file is UTF-16 encoded", hint: "save it as UTF-8")
        }
        if body.prefix(8192).contains(0) {
            throw fail(
                1, 1, "this is a binary file (it contains NUL bytes), not YAML text", hint: "check the file name")
        }
        // Walk the bytes once: validate UTF-8 and reject control characters, tracking line and column.
        var line = 1
        var column = 1
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            var length = 1
            if byte < 0x80 {
                if byte == 0x0A {
                    line += 1
                    column = 0
                } else if byte < 0x20 && byte != 0x09 && byte != 0x0D || byte == 0x7F {
                    let what = byte == 0 ? "a NUL byte" : String(format: "control character 0x%02X", byte)
                    throw fail(
                        line, column, "\(what): this looks like a binary file, not YAML text",
                        hint: "campaign files are UTF-8 text")
                }
            } else {
                length =
                    switch byte {
                    case 0xC2...0xDF: 2
                    case 0xE0...0xEF: 3
                    case 0xF0...0xF4: 4
                    default: 0
                    }
                var valid = length > 0 && index + length <= body.endIndex
                if valid {
                    for offset in 1..<length where body[index + offset] & 0xC0 != 0x80 { valid = false }
                }
                if valid {
                    let second = body[index + 1]
                    if byte == 0xE0 && second < 0xA0 || byte == 0xED && second > 0x9F || byte == 0xF0 && second < 0x90
                        || byte == 0xF4 && second > 0x8F
                    {
                        valid = false
                    }
                }
                if !valid {
                    throw fail(
                        line, column, String(format: "invalid UTF-8 byte 0x%02X", byte),
                        hint: "save the file as UTF-8 (it may be Latin-1 or Windows-1252)")
                }
            }
            index += length
            column += 1
        }
        return String(decoding: body, as: UTF8.self)
    }

    // MARK: libyaml errors

    /// Turns a libyaml error into a positioned diagnostic with a hint for the usual mistakes.
    static func diagnostic(for error: YamlError, file: String, lines text: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, let yaml),
            .parser(let context, let problem, let mark, let yaml),
            .composer(let context, let problem, let mark, let yaml):
            let line = mark.line <= 0 ? "" : yaml.lineNumbered(mark.line)
            if problem.contains("cannot start any token"), line.dropFirst(max(0, mark.column - 1)).first == "\t" {
                return Diagnostic(
                    at(mark), "a tab character", hint: "YAML does not allow tabs for indentation; use spaces")
            }
            if problem.contains("Maximum nesting level") {
                return Diagnostic(
                    at(mark), "nesting deeper than 1000 levels", hint: "a campaign needs a few levels; check the file")
            }
            if let context, context.text.contains("quoted scalar") {
                return Diagnostic(
                    at(context.mark), "this quoted text is never closed",
                    hint: "add the closing quote (inside single quotes write '' for a quote)")
            }
            if problem.contains("found undefined alias") {
                return Diagnostic(
                    at(mark), "alias to an undefined anchor", hint: "define the `&anchor` before using `*anchor`")
            }
            if problem.contains("mapping values are not allowed") {
                return Diagnostic(
                    at(mark), "unexpected ':' here",
                    hint: "quote text that contains ': ', e.g. headline: \"Save: 20% off\"")
            }
            let contextLine = context.map { text.lineNumbered($0.mark.line) } ?? ""
            for candidate in [line, contextLine]
            where candidate.range(of: #":\s+[\{\[]"#, options: .regularExpression) != nil {
                // `prompt: {red|blue} shoe`: YAML read the braces as a flow mapping.
                let key = candidate.prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)
                return Diagnostic(
                    at(mark), "YAML read the '{' or '[' after '\(key):' as the start of a mapping or list",
                    hint: "quote the value: \(key): \"…\" (templates with braces must be quoted)")
            }
            var message = problem
            if let context {
                message = "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return Diagnostic(at(mark), "invalid YAML: \(message)")
        case .reader(let problem, _, _, _):
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "unreadable text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(
                secondOccurrence(of: duplicates.sorted().first ?? "", in: text, file: file) ?? at(context.mark),
                "duplicate key \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", "))",
                hint: "each key may appear once in a mapping; remove or merge the repeats")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}

/// Where `key:` appears for the second time at the start of a line (after indentation), for duplicate-key errors.
private func secondOccurrence(of key: String, in text: String, file: String) -> SourceLocation? {
    var seen = 0
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let indent = line.prefix { $0 == " " }.count
        let body = line.dropFirst(indent)
        guard body.hasPrefix(key) else { continue }
        let rest = body.dropFirst(key.count).drop { $0 == " " }
        guard rest.hasPrefix(":") else { continue }
        seen += 1
        if seen == 2 { return SourceLocation(file: file, line: index + 1, column: indent + 1) }
    }
    return nil
}

extension String {
    /// The text of 1-based line `number`, or "" when there is none.
    fileprivate func lineNumbered(_ number: Int) -> Substring {
        var current = 1
        var start = startIndex
        while current < number {
            guard let newline = self[start...].firstIndex(of: "\n") else { return "" }
            start = index(after: newline)
            current += 1
        }
        let end = self[start...].firstIndex(of: "\n") ?? endIndex
        return self[start..<end]
    }
}

/// Byte counts as people read them.
enum ByteCount {
    /// `1.5 MB`, `640 KB`, `12 bytes` (decimal units).
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1_000_000 { return String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        if bytes >= 1_000 { return String(format: "%.0f KB", Double(bytes) / 1_000) }
        return "\(bytes) bytes"
    }
}
