import Foundation
import Yams

/// Typed reads of a YAML tree that collect every problem as a `FILE:LINE:COL` diagnostic instead of stopping
/// at the first: shared by the campaign decoder and the layout template decoder.
protocol YAMLDecoding {
    /// The file being read.
    var source: YAMLSource { get }
    /// The problems found so far.
    var diagnostics: [Diagnostic] { get set }
    /// Keys suggested for misspelled ones: a "missing key" error for them would repeat the typo's error.
    var suggestedKeys: Set<String> { get set }
}

extension YAMLDecoding {
    // MARK: Reporting

    mutating func error(_ node: Node?, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(source.location(node?.mark), message, hint: hint))
    }

    mutating func error(at location: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(location, message, hint: hint))
    }

    // MARK: Typed reads

    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar where isNull(node): "nothing (null)"
        case .scalar(let scalar): "'\(scalar.string.prefix(40))'"
        case .alias: "an alias"
        }
    }

    /// The key-value pairs of a mapping, with unknown keys reported against `allowed`.
    mutating func mapping(_ node: Node, _ what: String, allowed: [String]? = nil) -> [(
        key: String, keyNode: Node, value: Node
    )]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping (key: value lines), found \(Self.describe(node))")
            return nil
        }
        var pairs = [(key: String, keyNode: Node, value: Node)]()
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(keyNode, "keys of \(what) must be text, found \(Self.describe(keyNode))")
                continue
            }
            if let allowed, !allowed.contains(key) {
                if let suggestion = Suggestion.closest(to: key, in: allowed) { suggestedKeys.insert(suggestion) }
                error(keyNode, "unknown key '\(key)' in \(what)", hint: Suggestion.hint(for: key, in: allowed))
                continue
            }
            pairs.append((key, keyNode, value))
        }
        return pairs
    }

    mutating func string(_ node: Node, _ what: String, allowEmpty: Bool = false) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            error(node, "\(what) must be text, found \(Self.describe(node))")
            return nil
        }
        if !allowEmpty && scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            error(node, "\(what) is empty")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.replacingOccurrences(of: "_", with: ""))
        else {
            error(node, "\(what) must be a whole number, found \(Self.describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, _ what: String, range: ClosedRange<Double>) -> Double? {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            error(node, "\(what) must be a number, found \(Self.describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(what) must be true or false, found \(Self.describe(node))")
            return nil
        }
    }

    /// A list, or a single item read as a one-element list.
    mutating func list(_ node: Node, _ what: String, allowSingle: Bool = false) -> [Node]? {
        if case .sequence(let sequence) = node { return Array(sequence) }
        if allowSingle, node.scalar != nil, !Self.isNull(node) { return [node] }
        error(node, "\(what) must be a list (lines starting with '- ' or [a, b]), found \(Self.describe(node))")
        return nil
    }
}
