import Foundation
import Synchronization

/// The wildcard files a template can use: every `*.txt` under the given folders, by name relative to its
/// folder without the extension (`lighting`, `colors/warm`). Values are read once and cached.
///
/// As in dynamicprompts: one value per line, blank lines and `#` lines skipped, each line trimmed, repeats
/// dropped, values sorted; a name may be a glob (`colors*`, `colors/*`), and a name that matches nothing is
/// tried again as `**/name`.
public final class WildcardLibrary: Sendable {
    /// One value of a wildcard file, with where it came from (for errors inside it).
    public struct Value: Sendable, Hashable {
        /// The line's text, trimmed; itself a template.
        public var text: String
        /// The file it came from.
        public var file: String
        /// Its line, 1-based.
        public var line: Int
        /// The column where the trimmed text starts, 1-based.
        public var column: Int
    }

    /// The folders searched, first match wins for a name found in several.
    public let folders: [String]
    let maxFileBytes: Int
    private let state = Mutex<State>(State())

    private struct State {
        var names: [String: String]?
        var values: [String: [Value]] = [:]
    }

    /// A library over `folders` (missing folders are skipped).
    public init(folders: [String], maxFileBytes: Int = 1 << 20) {
        self.folders = folders
        self.maxFileBytes = maxFileBytes
        if let recorder = FileRecorder.current {
            for folder in folders where FileManager.default.fileExists(atPath: folder) { recorder.recordFolder(folder) }
        }
    }

    /// Every wildcard name, mapped to its file.
    public func names() -> [String: String] {
        if let names = state.withLock({ $0.names }) { return names }
        var names = [String: String]()
        for folder in folders {
            guard let relativePaths = FileManager.default.enumerator(atPath: folder) else { continue }
            for case let relative as String in relativePaths where relative.hasSuffix(".txt") {
                let name = String(relative.dropLast(4))
                if names[name] == nil {
                    names[name] = folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
                }
            }
        }
        state.withLock { $0.names = names }
        return names
    }

    /// The values of the wildcard `pattern` (a name or a glob), sorted; nil when no file matches.
    func values(matching pattern: String) throws(TemplateError) -> [Value]? {
        let names = names()
        var matched = names.keys.filter { Glob.matches($0, pattern: pattern) }.sorted()
        if matched.isEmpty, !pattern.hasPrefix("**") {
            matched = names.keys.filter { Glob.matches($0, pattern: "**/" + pattern) }.sorted()
        }
        guard !matched.isEmpty else { return nil }
        var all = [Value]()
        for name in matched { all += try values(ofFile: names[name]!) }
        var seen = Set<String>()
        all = all.filter { seen.insert($0.text).inserted }
        return all.sorted { $0.text.unicodeScalars.lexicographicallyPrecedes($1.text.unicodeScalars) }
    }

    /// Reads one file's values (cached).
    private func values(ofFile path: String) throws(TemplateError) -> [Value] {
        if let cached = state.withLock({ $0.values[path] }) { return cached }
        let bytes: [UInt8]
        let text: String
        do {
            bytes = try CampaignLoader.read(path, maxBytes: maxFileBytes, location: nil)
            text = try YAMLSource.checkedText(bytes, file: path, maxBytes: maxFileBytes)
        } catch {
            throw TemplateError(
                error.diagnostics.map { .init(place: .location($0.location), message: $0.message, hint: $0.hint) })
        }
        var values = [Value]()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let indent = line.unicodeScalars.prefix { $0 == " " || $0 == "\t" }.count
            values.append(Value(text: trimmed, file: DisplayPath.relative(path), line: index + 1, column: indent + 1))
        }
        state.withLock { $0.values[path] = values }
        return values
    }
}

/// `fnmatch`-style globbing as Python does it: `*` and `?` match any character, `/` included; `[…]` sets.
enum Glob {
    static func matches(_ name: String, pattern: String) -> Bool {
        let text = Array(name.unicodeScalars)
        let pattern = Array(pattern.unicodeScalars)
        if !pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) { return text == pattern }
        var t = 0
        var p = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                starP = p
                starT = t
                p += 1
                continue
            }
            if p < pattern.count, let next = matchOne(text[t], pattern, p) {
                t += 1
                p = next
                continue
            }
            if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
                continue
            }
            return false
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// If `scalar` matches the pattern element at `p`, the index after that element.
    private static func matchOne(_ scalar: Unicode.Scalar, _ pattern: [Unicode.Scalar], _ p: Int) -> Int? {
        switch pattern[p] {
        case "?": return p + 1
        case "[":
            var index = p + 1
            var negate = false
            if index < pattern.count, pattern[index] == "!" {
                negate = true
                index += 1
            }
            var matched = false
            var first = true
            while index < pattern.count, pattern[index] != "]" || first {
                first = false
                if index + 2 < pattern.count, pattern[index + 1] == "-", pattern[index + 2] != "]" {
                    if (pattern[index]...pattern[index + 2]).contains(scalar) { matched = true }
                    index += 3
                } else {
                    if pattern[index] == scalar { matched = true }
                    index += 1
                }
            }
            guard index < pattern.count else { return scalar == "[" ? p + 1 : nil }
            return matched != negate ? index + 1 : nil
        default: return pattern[p] == scalar ? p + 1 : nil
        }
    }
}
