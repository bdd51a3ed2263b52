/// A compiled template node: counts known, rendering by index (`0..<count`), no allocation but the output.
///
/// A node's expansions are numbered; `render(_:)` writes expansion `index` directly (a sequence splits the
/// index across its parts as a mixed-radix number, first part slowest; a choice finds its option by prefix
/// sums), which is what makes expansion lazy, slicing O(1) and sampling possible without enumeration.
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

    // MARK: Rendering

    /// Appends expansion `index` to `output`.
    ///
    /// `turn` drives `@` rotation: how many prompts the enclosing sequence has made before this one. The template's
    /// root gets the variant's position; any other sequence counts its own prompts (`nil`), since dynamicprompts
    /// re-creates generators inside variant options and wildcards.
    func render(_ index: UInt64, _ context: inout RenderContext, into output: inout [UInt8], turn: UInt64? = nil) {
        switch kind {
        case .text(let bytes):
            output.append(contentsOf: bytes)
        case .sequence(let parts, let strides, let turns):
            for position in parts.indices {
                let part = parts[position]
                let count = part.count
                let partIndex = count == 1 ? 0 : (index / strides[position]) % count
                let rotation = turns[position]
                if case .cyclical = part.kind {
                    part.render(partIndex, &context, into: &output, turn: (turn ?? index) &* rotation.pulls &+ rotation.before)
                } else {
                    part.render(partIndex, &context, into: &output)
                }
            }
        case .choice(let options, let starts):
            var low = 0
            var high = starts.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if starts[mid] <= index { low = mid } else { high = mid - 1 }
            }
            options[low].render(index - starts[low], &context, into: &output)
        case .table(let table):
            table.append(Int(index), to: &output)
        case .axis(let axis):
            output.append(contentsOf: context.axisValues[axis])
        case .cyclical(let options):
            let turn = turn ?? 0
            let option = options[Int(turn % UInt64(options.count))]
            option.render((turn / UInt64(options.count)) % option.count, &context, into: &output)
        case .random(let options, let cumulative, let salt):
            var generator = SplitMix64(seed: context.seed ^ (context.sequenceIndex &* 0x9E37_79B9_7F4A_7C15) ^ salt)
            let total = cumulative.last ?? 1
            let point = Double(generator.next() >> 11) / Double(1 << 53) * total
            let chosen = cumulative.firstIndex { point < $0 } ?? (options.count - 1)
            let option = options[chosen]
            option.render(option.count <= 1 ? 0 : generator.next(upperBound: option.count), &context, into: &output)
        case .wrap(let prefix, let inner, let suffix):
            output.append(contentsOf: prefix)
            inner.render(index, &context, into: &output)
            output.append(contentsOf: suffix)
        }
    }

    /// Every expansion's text, for precomputing static nodes (only called on static nodes).
    func strings(limit: UInt64) -> [String]? {
        guard count <= limit else { return nil }
        var context = RenderContext(axisValues: [], sequenceIndex: 0, seed: 0)
        var output = [UInt8]()
        var result = [String]()
        result.reserveCapacity(Int(count))
        for index in 0..<count {
            output.removeAll(keepingCapacity: true)
            render(index, &context, into: &output)
            result.append(String(decoding: output, as: UTF8.self))
        }
        return result
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

    func string(_ index: Int) -> String {
        var output = [UInt8]()
        append(index, to: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

/// What rendering a campaign template needs besides the index.
public struct RenderContext: Sendable {
    /// The UTF-8 value of each axis for this variant, by axis index.
    public var axisValues: [[UInt8]]
    /// The prompt's position in the campaign's sequence: drives `@` rotation and seeds `~` picks.
    public var sequenceIndex: UInt64
    /// The variant's seed: `~` picks differ per seed, reproducibly.
    public var seed: UInt64

    /// Creates a context.
    public init(axisValues: [[UInt8]], sequenceIndex: UInt64, seed: UInt64) {
        self.axisValues = axisValues
        self.sequenceIndex = sequenceIndex
        self.seed = seed
    }
}
