/// A compiled template flattened into arrays of plain values, rendered through unsafe buffers: the hot path of
/// expansion touches no reference counts and allocates nothing but the output's growth.
///
/// Built from a `TemplateNode` tree. Node encodings (`a`, `b`, `c`, `d`):
/// - text: bytes `a ..< a+b`
/// - sequence: children `a ..< a+b`; `numbers[c + 3i ...]` = stride, pulls, before of child `i`
/// - choice: children `a ..< a+b`; `numbers[c + i]` = first expansion index of child `i`
/// - table: strings `a ..< a+b` ending at `ends[…]`; `numbers[c]` = the first string's start
/// - axis: axis `a`
/// - cyclical: children `a ..< a+b`
/// - random: children `a ..< a+b`; cumulative weights `weights[c ..< c+b]`; salt `numbers[d]`
/// - wrap: prefix bytes `a ..< a+b`; inner node `c`; `numbers[d]`, `numbers[d+1]` = suffix start and length
struct TemplateProgram: Sendable {
    enum Op: UInt8, Sendable {
        case text, sequence, choice, table, axis, cyclical, random, wrap
    }

    struct Node: Sendable {
        var op: Op
        var count: UInt64
        var a: Int32 = 0
        var b: Int32 = 0
        var c: Int32 = 0
        var d: Int32 = 0
    }

    private(set) var nodes: [Node] = []
    private var children: [Int32] = []
    private var numbers: [UInt64] = []
    private var weights: [Double] = []
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private(set) var root: Int32 = 0

    /// Flattens `tree`.
    init(_ tree: TemplateNode) {
        root = add(tree)
    }

    /// The number of expansions.
    var count: UInt64 { nodes[Int(root)].count }

    private mutating func addBytes(_ source: [UInt8]) -> (Int32, Int32) {
        let start = bytes.count
        bytes.append(contentsOf: source)
        return (Int32(start), Int32(source.count))
    }

    private mutating func add(_ tree: TemplateNode) -> Int32 {
        var node = Node(op: .text, count: tree.count)
        switch tree.kind {
        case .text(let text):
            (node.a, node.b) = addBytes(text)
        case .sequence(let parts, let strides, let turns):
            node.op = .sequence
            let indices = parts.map { add($0) }
            node.c = Int32(numbers.count)
            for (stride, turn) in zip(strides, turns) { numbers += [stride, turn.pulls, turn.before] }
            (node.a, node.b) = (Int32(children.count), Int32(indices.count))
            children += indices
        case .choice(let options, let starts):
            node.op = .choice
            let indices = options.map { add($0) }
            node.c = Int32(numbers.count)
            numbers += starts
            (node.a, node.b) = (Int32(children.count), Int32(indices.count))
            children += indices
        case .table(let table):
            node.op = .table
            node.c = Int32(numbers.count)
            numbers.append(UInt64(bytes.count))
            node.a = Int32(ends.count)
            node.b = Int32(table.count)
            for index in 0..<table.count {
                table.append(index, to: &bytes)
                ends.append(bytes.count)
            }
        case .axis(let axis):
            node.op = .axis
            node.a = Int32(axis)
        case .cyclical(let options):
            node.op = .cyclical
            let indices = options.map { add($0) }
            (node.a, node.b) = (Int32(children.count), Int32(indices.count))
            children += indices
        case .random(let options, let cumulative, let salt):
            node.op = .random
            let indices = options.map { add($0) }
            (node.a, node.b) = (Int32(children.count), Int32(indices.count))
            children += indices
            node.c = Int32(weights.count)
            weights += cumulative
            node.d = Int32(numbers.count)
            numbers.append(salt)
        case .wrap(let prefix, let inner, let suffix):
            node.op = .wrap
            (node.a, node.b) = addBytes(prefix)
            node.c = add(inner)
            let (start, length) = addBytes(suffix)
            node.d = Int32(numbers.count)
            numbers += [UInt64(start), UInt64(length)]
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Appends expansion `index` to `output`; `turn` places the root's `@` rotation.
    func render(_ index: UInt64, context: RenderContext, turn: UInt64, into output: inout [UInt8]) {
        nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                numbers.withUnsafeBufferPointer { numbers in
                    weights.withUnsafeBufferPointer { weights in
                        bytes.withUnsafeBufferPointer { bytes in
                            ends.withUnsafeBufferPointer { ends in
                                context.axisPool.withUnsafeBufferPointer { axisPool in
                                    context.axisSlices.withUnsafeBufferPointer { axisSlices in
                                        let renderer = Renderer(
                                            nodes: nodes, children: children, numbers: numbers, weights: weights,
                                            bytes: bytes, ends: ends, axisPool: axisPool, axisSlices: axisSlices,
                                            seed: context.seed, sequenceIndex: context.sequenceIndex)
                                        renderer.render(root, index, turn, &output)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every expansion as a string, when there are at most `limit` (for precomputing static nodes).
    func strings(limit: UInt64) -> [String]? {
        guard count <= limit else { return nil }
        let context = RenderContext(axisValues: [], sequenceIndex: 0, seed: 0)
        var output = [UInt8]()
        var result = [String]()
        result.reserveCapacity(Int(count))
        for index in 0..<count {
            output.removeAll(keepingCapacity: true)
            render(index, context: context, turn: 0, into: &output)
            result.append(String(decoding: output, as: UTF8.self))
        }
        return result
    }

    /// The recursive walk, over borrowed buffers.
    private struct Renderer {
        let nodes: UnsafeBufferPointer<Node>
        let children: UnsafeBufferPointer<Int32>
        let numbers: UnsafeBufferPointer<UInt64>
        let weights: UnsafeBufferPointer<Double>
        let bytes: UnsafeBufferPointer<UInt8>
        let ends: UnsafeBufferPointer<Int>
        let axisPool: UnsafeBufferPointer<UInt8>
        let axisSlices: UnsafeBufferPointer<Range<Int>>
        let seed: UInt64
        let sequenceIndex: UInt64

        @inline(__always)
        func append(_ start: Int, _ end: Int, from source: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
            if end > start { output.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<end])) }
        }

        /// `turn`: the enclosing sequence's prompt number for an `@` node (nil elsewhere: options restart).
        func render(_ id: Int32, _ index: UInt64, _ turn: UInt64?, _ output: inout [UInt8]) {
            let node = nodes[Int(id)]
            switch node.op {
            case .text:
                append(Int(node.a), Int(node.a + node.b), from: bytes, to: &output)
            case .sequence:
                let base = Int(node.c)
                for slot in 0..<Int(node.b) {
                    let child = children[Int(node.a) + slot]
                    let childNode = nodes[Int(child)]
                    let stride = numbers[base + 3 * slot]
                    let partIndex = childNode.count == 1 ? 0 : (index / stride) % childNode.count
                    if childNode.op == .cyclical {
                        let pulls = numbers[base + 3 * slot + 1]
                        let before = numbers[base + 3 * slot + 2]
                        render(child, partIndex, (turn ?? index) &* pulls &+ before, &output)
                    } else {
                        render(child, partIndex, nil, &output)
                    }
                }
            case .choice:
                let base = Int(node.c)
                var low = 0
                var high = Int(node.b) - 1
                while low < high {
                    let mid = (low + high + 1) / 2
                    if numbers[base + mid] <= index { low = mid } else { high = mid - 1 }
                }
                render(children[Int(node.a) + low], index - numbers[base + low], nil, &output)
            case .table:
                let slot = Int(node.a) + Int(index)
                let start = index == 0 ? Int(numbers[Int(node.c)]) : ends[slot - 1]
                append(start, ends[slot], from: bytes, to: &output)
            case .axis:
                let range = axisSlices[Int(node.a)]
                append(range.lowerBound, range.upperBound, from: axisPool, to: &output)
            case .cyclical:
                let turn = turn ?? 0
                let options = UInt64(node.b)
                let child = children[Int(node.a) + Int(turn % options)]
                render(child, (turn / options) % nodes[Int(child)].count, nil, &output)
            case .random:
                var generator = SplitMix64(
                    seed: seed ^ (sequenceIndex &* 0x9E37_79B9_7F4A_7C15) ^ numbers[Int(node.d)])
                let total = weights[Int(node.c) + Int(node.b) - 1]
                let point = Double(generator.next() >> 11) / Double(UInt64(1) << 53) * total
                var chosen = Int(node.b) - 1
                for slot in 0..<Int(node.b) where point < weights[Int(node.c) + slot] {
                    chosen = slot
                    break
                }
                let child = children[Int(node.a) + chosen]
                let childCount = nodes[Int(child)].count
                render(child, childCount <= 1 ? 0 : generator.next(upperBound: childCount), nil, &output)
            case .wrap:
                append(Int(node.a), Int(node.a + node.b), from: bytes, to: &output)
                render(node.c, index, nil, &output)
                let start = Int(numbers[Int(node.d)])
                append(start, start + Int(numbers[Int(node.d) + 1]), from: bytes, to: &output)
            }
        }
    }
}

/// What rendering a campaign template needs besides the index.
public struct RenderContext: Sendable {
    /// Every axis value's UTF-8 bytes, one after another.
    var axisPool: [UInt8]
    /// For each axis, its current value's range in `axisPool`.
    var axisSlices: [Range<Int>]
    /// The prompt's position in the campaign's sequence: drives the root's `@` rotation and seeds `~` picks.
    public var sequenceIndex: UInt64
    /// The variant's seed: `~` picks differ per seed, reproducibly.
    public var seed: UInt64

    /// A context whose axis `i` has the value `axisValues[i]`.
    public init(axisValues: [[UInt8]], sequenceIndex: UInt64, seed: UInt64) {
        axisPool = axisValues.flatMap { $0 }
        var start = 0
        axisSlices = axisValues.map { value in
            defer { start += value.count }
            return start..<(start + value.count)
        }
        self.sequenceIndex = sequenceIndex
        self.seed = seed
    }

    /// A context over a shared pool of axis values; `axisSlices` is set per variant.
    init(axisPool: [UInt8], axes: Int) {
        self.axisPool = axisPool
        axisSlices = Array(repeating: 0..<0, count: axes)
        sequenceIndex = 0
        seed = 0
    }
}
