/// A compiled template node, as the compiler builds it: counts known, each expansion numbered `0..<count`.
///
/// Expansion `index` is rendered directly (a sequence splits the index across its parts as a mixed-radix number,
/// first part slowest; a choice finds its option by prefix sums), which makes expansion lazy, slicing O(1) and
/// sampling possible without enumeration. `TemplateProgram` flattens the tree for rendering.
final class TemplateNode: Sendable {
    enum Kind: Sendable {
        /// Fixed text.
        case text([UInt8])
        /// Parts one after another; `strides[i]` is the product of the counts after part `i`; `turns[i]`
        /// places part `i`'s `@` rotation (see `CyclicTurn`).
        case sequence([TemplateNode], strides: [UInt64], turns: [CyclicTurn])
        /// Options one after another; `starts[i]` is the index of option `i`'s first expansion.
        case choice([TemplateNode], starts: [UInt64])
        /// Distinct strings, precomputed (deduplicated variants, picks).
        case table(StringTable)
        /// The current value of a campaign axis.
        case axis(Int)
        /// One option per prompt, in rotation (`@`).
        case cyclical([TemplateNode])
        /// One option per prompt, chosen at random by weight (`~`), reproducible from the variant's seed.
        case random([TemplateNode], cumulativeWeights: [Double], salt: UInt64)
        /// A wrapper's text around an inner node: `prefix inner suffix`.
        case wrap(prefix: [UInt8], inner: TemplateNode, suffix: [UInt8])
    }

    let kind: Kind
    /// How many expansions (saturating at `UInt64.max`).
    let count: UInt64
    /// Whether the node's text depends only on its index (no axis, no rotation, no randomness).
    let isStatic: Bool

    init(_ kind: Kind) {
        self.kind = kind
        switch kind {
        case .text: count = 1
        case .table(let table): count = UInt64(table.count)
        case .axis, .cyclical, .random: count = 1
        case .wrap(_, let inner, _): count = inner.count
        case .sequence(let parts, _, _):
            count = parts.reduce(1) { Self.multiply($0, $1.count) }
        case .choice(let options, _):
            count = options.reduce(0) { Self.add($0, $1.count) }
        }
        switch kind {
        case .text, .table: isStatic = true
        case .axis, .cyclical, .random: isStatic = false
        case .wrap(_, let inner, _): isStatic = inner.isStatic
        case .sequence(let parts, _, _): isStatic = parts.allSatisfy(\.isStatic)
        case .choice(let options, _): isStatic = options.allSatisfy(\.isStatic)
        }
    }

    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }

    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    static func text(_ string: String) -> TemplateNode { TemplateNode(.text(Array(string.utf8))) }

    /// A sequence. `cyclicSyntax[i]` is the syntax of part `i` when it is an `@` node: dynamicprompts pulls every
    /// `@` node of a sequence once per prompt, right to left, and equal `@` nodes share one rotation.
    static func sequence(_ parts: [TemplateNode], cyclicSyntax: [TemplateSyntax?]? = nil) -> TemplateNode {
        let syntax = cyclicSyntax ?? Array(repeating: nil, count: parts.count)
        let kept = parts.indices.filter { !isEmptyText(parts[$0]) }
        let merged = kept.map { parts[$0] }
        let keptSyntax = kept.map { syntax[$0] }
        if merged.isEmpty { return text("") }
        var turns = [CyclicTurn](repeating: CyclicTurn(pulls: 1, before: 0), count: merged.count)
        for index in merged.indices {
            guard let own = keptSyntax[index] else { continue }
            let group = merged.indices.filter { keptSyntax[$0] == own }
            let rank = group.count - 1 - group.firstIndex(of: index)!
            turns[index] = CyclicTurn(pulls: UInt64(group.count), before: UInt64(rank))
        }
        if merged.count == 1, turns[0].pulls == 1 { return merged[0] }
        var strides = [UInt64](repeating: 1, count: merged.count)
        var stride: UInt64 = 1
        for index in merged.indices.reversed() {
            strides[index] = stride
            stride = multiply(stride, merged[index].count)
        }
        return TemplateNode(.sequence(merged, strides: strides, turns: turns))
    }

    static func choice(_ options: [TemplateNode]) -> TemplateNode {
        if options.count == 1 { return options[0] }
        var starts = [UInt64]()
        var start: UInt64 = 0
        for option in options {
            starts.append(start)
            start = add(start, option.count)
        }
        return TemplateNode(.choice(options, starts: starts))
    }

    private static func isEmptyText(_ node: TemplateNode) -> Bool {
        if case .text(let bytes) = node.kind { return bytes.isEmpty }
        return false
    }

    /// Every expansion's text, when there are at most `limit` (only called on static nodes).
    func strings(limit: UInt64) -> [String]? {
        guard count <= limit else { return nil }
        return TemplateProgram(self).strings(limit: limit)
    }
}

/// Where an `@` node stands among its sequence's pulls: at prompt `turn` it is pulled for the
/// `turn * pulls + before`-th time.
struct CyclicTurn: Sendable {
    /// How many equal `@` nodes share the rotation.
    var pulls: UInt64
    /// How many of them are pulled before this one (dynamicprompts pulls right to left).
    var before: UInt64
}

/// Strings packed in one buffer, for precomputed nodes.
struct StringTable: Sendable {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    init(_ strings: [String]) {
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            ends.append(bytes.count)
        }
    }

    var count: Int { ends.count }

    func append(_ index: Int, to output: inout [UInt8]) {
        let start = index == 0 ? 0 : ends[index - 1]
        output.append(contentsOf: bytes[start..<ends[index]])
    }
}
