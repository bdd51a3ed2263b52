/// The space of a campaign's variants as a mixed-radix number: every index in `0..<count` is one variant, and
/// `variant(at:)` builds it directly, so slicing and sampling never enumerate what they skip.
///
/// Digits, slowest first: axes in file order, except that axes tied together by `exclude`/`only` rules form one
/// digit whose values are only the surviving combinations (enumerated once, over those axes alone, so a rule
/// drops its part of the product without it ever being enumerated); then the prompt's inline variants; then the
/// seed.
public struct VariantSpace: Sendable {
    /// Why a campaign's space cannot be built.
    public struct Failure: Error, Sendable {
        /// What is wrong.
        public var message: String
        /// How to fix it.
        public var hint: String?
    }

    enum Digit: Sendable {
        /// One free axis.
        case axis(Int)
        /// Axes tied by rules, with their surviving combinations (`axes.count` value indices per combination).
        case group(axes: [Int], survivors: [Int32])
    }

    /// The largest product of rule-tied axes enumerated to apply the rules.
    public static let maxRuleCombinations = 1 << 22

    let axes: [Axis]
    let digits: [Digit]
    let radices: [UInt64]
    let prompt: Template
    let negativePrompt: Template?
    let seeds: [UInt64]
    /// The sizes every variant is rendered at.
    public let sizes: [AdSize]
    /// How many variants there are (rules applied; before sampling).
    public let count: UInt64
    /// How many prompts the prompt template (times the negative prompt template) gives for one axis assignment.
    public let templateCount: UInt64
    /// The axes the prompt and negative prompt refer to: the only axes that change a variant's prompt.
    public let promptAxes: [Int]

    /// Builds the space of `campaign`.
    public init(campaign: Campaign) throws(Failure) {
        axes = campaign.axes
        tables = AxisTables(campaign.axes)
        seedFields = campaign.generation.seeds.map { seed in
            var field = [UInt8]()
            Variant.appendField(UInt8(ascii: "s"), String(seed).utf8, to: &field)
            return field
        }
        prompt = campaign.prompt
        negativePrompt = campaign.negativePrompt
        seeds = campaign.generation.seeds
        sizes = campaign.sizes
        digits = try Self.digits(axes: campaign.axes, exclude: campaign.exclude, only: campaign.only)
        promptAxes = Set(campaign.prompt.referencedAxes + (campaign.negativePrompt?.referencedAxes ?? [])).sorted()
        var radices = digits.map { digit -> UInt64 in
            switch digit {
            case .axis(let axis): UInt64(campaign.axes[axis].values.count)
            case .group(let axes, let survivors): UInt64(survivors.count / max(1, axes.count))
            }
        }
        let (templates, overflow) = campaign.prompt.count.multipliedReportingOverflow(
            by: campaign.negativePrompt?.count ?? 1)
        templateCount = overflow ? .max : templates
        radices.append(templateCount)
        radices.append(UInt64(seeds.count))
        self.radices = radices
        var total: UInt64 = 1
        for radix in radices {
            let (product, overflow) = total.multipliedReportingOverflow(by: radix)
            if overflow {
                throw Failure(
                    message: "the campaign expands to more than 18 quintillion (2^64) variants",
                    hint: "narrow the axes or the prompt's variants")
            }
            total = product
        }
        count = total
    }

    /// Groups rule-tied axes and enumerates each group's surviving combinations.
    static func digits(axes: [Axis], exclude: [AxisRule], only: [AxisRule]) throws(Failure) -> [Digit] {
        // Union-find over axes: each exclude rule ties its axes; all `only` rules together tie theirs (a variant
        // must match one of them, which is not a per-group condition).
        var parent = Array(axes.indices)
        func find(_ axis: Int) -> Int {
            var axis = axis
            while parent[axis] != axis {
                parent[axis] = parent[parent[axis]]
                axis = parent[axis]
            }
            return axis
        }
        func union(_ group: some Sequence<Int>) {
            var first: Int?
            for axis in group {
                if let root = first { parent[find(axis)] = find(root) } else { first = axis }
            }
        }
        for rule in exclude { union(rule.conditions.keys) }
        union(only.flatMap(\.conditions.keys))
        let ruled = Set((exclude + only).flatMap(\.conditions.keys))
        var digits = [Digit]()
        var placed = Set<Int>()
        for axis in axes.indices {
            guard ruled.contains(axis) else {
                digits.append(.axis(axis))
                continue
            }
            let root = find(axis)
            guard !placed.contains(root) else { continue }
            placed.insert(root)
            let members = axes.indices.filter { ruled.contains($0) && find($0) == root }
            let memberSet = Set(members)
            let excludes = exclude.filter { $0.conditions.keys.allSatisfy(memberSet.contains) }
            let onlys = only.filter { $0.conditions.keys.allSatisfy(memberSet.contains) }
            digits.append(.group(axes: members, survivors: try survivors(members, axes, excludes, onlys)))
        }
        return digits
    }

    static func survivors(_ members: [Int], _ axes: [Axis], _ exclude: [AxisRule], _ only: [AxisRule])
        throws(Failure) -> [Int32]
    {
        var combinations = 1
        for axis in members {
            combinations = combinations.multipliedReportingOverflow(by: axes[axis].values.count).partialValue
            if combinations > maxRuleCombinations {
                let names = members.map { "'\(axes[$0].name)'" }.joined(separator: ", ")
                throw Failure(
                    message:
                        "the exclude/only rules tie axes \(names) whose combinations exceed \(maxRuleCombinations)",
                    hint: "write rules over fewer axes, or split a big axis into wildcard text")
            }
        }
        var survivors = [Int32]()
        var assignment = [Int](repeating: 0, count: axes.count)
        var counters = [Int](repeating: 0, count: members.count)
        for _ in 0..<combinations {
            for (slot, axis) in members.enumerated() { assignment[axis] = counters[slot] }
            let kept =
                (only.isEmpty || only.contains { $0.matches(assignment) })
                && !exclude.contains { $0.matches(assignment) }
            if kept { survivors.append(contentsOf: counters.lazy.map { Int32($0) }) }
            var slot = members.count - 1
            while slot >= 0 {
                counters[slot] += 1
                if counters[slot] < axes[members[slot]].values.count { break }
                counters[slot] = 0
                slot -= 1
            }
        }
        return survivors
    }

    /// Precomputed per-value data, so building a variant copies bytes instead of re-encoding text.
    let tables: AxisTables
    /// Each seed's part of the id encoding.
    let seedFields: [[UInt8]]

    struct AxisTables: Sendable {
        /// Every value's UTF-8 bytes, one after another.
        var pool: [UInt8] = []
        /// Where axis `a`'s values start in the flat per-value arrays below.
        var base: [Int] = []
        /// `ranges[base[a] + v]`: value `v` of axis `a` in `pool`.
        var ranges: [Range<Int>] = []
        /// `values[a][v]`: the value as the variant reports it.
        var values: [[AxisValue]] = []
        /// Every value's part of the id encoding (see `Variant.id`), one after another.
        var idPool: [UInt8] = []
        /// `idRanges[base[a] + v]`: that part in `idPool`.
        var idRanges: [Range<Int>] = []
        /// Axis indices sorted by name (the id encoding's order).
        var sortedAxes: [Int] = []

        init(_ axes: [Axis]) {
            for axis in axes {
                base.append(ranges.count)
                for value in axis.values {
                    let start = pool.count
                    pool.append(contentsOf: value.utf8)
                    ranges.append(start..<pool.count)
                    let idStart = idPool.count
                    Variant.appendField(UInt8(ascii: "a"), axis.name.utf8, to: &idPool)
                    Variant.appendField(UInt8(ascii: "v"), value.utf8, to: &idPool)
                    idRanges.append(idStart..<idPool.count)
                }
                values.append(axis.values.map { AxisValue(name: axis.name, value: $0) })
            }
            sortedAxes = axes.indices.sorted { axes[$0].name.utf8.lexicographicallyPrecedes(axes[$1].name.utf8) }
        }
    }

    /// Scratch space reused from one variant to the next, so a long expansion does not reallocate; after
    /// `render(at:cursor:computeID:)` it holds the variant's parts as bytes, for streaming output.
    public struct Cursor: Sendable {
        /// Each axis's value index.
        public internal(set) var assignment: [Int]
        var context: RenderContext
        /// The prompt's UTF-8 bytes.
        public internal(set) var prompt: [UInt8] = []
        /// The negative prompt's UTF-8 bytes, when the campaign has one.
        public internal(set) var negativePrompt: [UInt8]?
        /// The variant id (empty unless computed).
        public internal(set) var id = ""
        /// The seed.
        public internal(set) var seed: UInt64 = 0
        var hashInput: [UInt8] = []
    }

    /// A cursor for `variant(at:cursor:)`.
    public func makeCursor() -> Cursor {
        Cursor(
            assignment: Array(repeating: 0, count: axes.count),
            context: RenderContext(axisPool: tables.pool, axes: axes.count))
    }

    /// The axis value `value` of axis `axis`, as the variant reports it.
    public func axisValue(_ axis: Int, _ value: Int) -> AxisValue { tables.values[axis][value] }

    /// Sets `assignment` to each axis's value index for variant `index`; returns the template and seed indices.
    func coordinates(of index: UInt64, into assignment: inout [Int]) -> (template: UInt64, seed: Int) {
        var rest = index
        let seedIndex = rest % radices[radices.count - 1]
        rest /= radices[radices.count - 1]
        let template = rest % radices[radices.count - 2]
        rest /= radices[radices.count - 2]
        for position in digits.indices.reversed() {
            let radix = radices[position]
            let value = Int(rest % radix)
            rest /= radix
            switch digits[position] {
            case .axis(let axis): assignment[axis] = value
            case .group(let members, let survivors):
                let base = value * members.count
                for (slot, axis) in members.enumerated() { assignment[axis] = Int(survivors[base + slot]) }
            }
        }
        return (template, Int(seedIndex))
    }

    /// The position of a variant's prompt among the campaign's prompts: its prompt axes' values and template
    /// index as a mixed-radix number. It drives `@` rotation and `~` picks, so variants that differ only in axes
    /// the prompt does not use (headline, CTA) get the same prompt, and share its generation.
    func promptIndex(assignment: [Int], template: UInt64) -> UInt64 {
        var index: UInt64 = 0
        for axis in promptAxes { index = index &* UInt64(axes[axis].values.count) &+ UInt64(assignment[axis]) }
        return index &* templateCount &+ template
    }

    /// The variant at `index` (`0..<count`).
    public func variant(at index: UInt64) -> Variant {
        var cursor = makeCursor()
        return variant(at: index, cursor: &cursor)
    }

    /// Renders variant `index` into `cursor` (prompt, negative prompt, seed, axis values and, when asked,
    /// the id) without building a `Variant`.
    public func render(at index: UInt64, cursor: inout Cursor, computeID: Bool = true) {
        precondition(index < count, "variant index \(index) out of range 0..<\(count)")
        let (template, seedIndex) = coordinates(of: index, into: &cursor.assignment)
        cursor.seed = seeds[seedIndex]
        tables.ranges.withUnsafeBufferPointer { ranges in
            for axis in tables.base.indices {
                cursor.context.axisSlices[axis] = ranges[tables.base[axis] + cursor.assignment[axis]]
            }
        }
        cursor.context.sequenceIndex = promptIndex(assignment: cursor.assignment, template: template)
        cursor.context.seed = cursor.seed
        let negativeCount = negativePrompt?.count ?? 1
        cursor.prompt.removeAll(keepingCapacity: true)
        prompt.render(template / negativeCount, context: cursor.context, into: &cursor.prompt)
        if let negativePrompt {
            // Take the buffer out of the cursor so it is uniquely referenced and reused, not copied.
            var negative = cursor.negativePrompt.take() ?? []
            negative.removeAll(keepingCapacity: true)
            negativePrompt.render(template % negativeCount, context: cursor.context, into: &negative)
            cursor.negativePrompt = negative
        }
        guard computeID else {
            cursor.id = ""
            return
        }
        var hash = [UInt8]()
        swap(&hash, &cursor.hashInput)
        hash.removeAll(keepingCapacity: true)
        hash.append(contentsOf: Variant.idTag)
        Variant.appendField(UInt8(ascii: "p"), cursor.prompt, to: &hash)
        if let negative = cursor.negativePrompt { Variant.appendField(UInt8(ascii: "n"), negative, to: &hash) }
        tables.idPool.withUnsafeBufferPointer { pool in
            for axis in tables.sortedAxes {
                let range = tables.idRanges[tables.base[axis] + cursor.assignment[axis]]
                hash.append(contentsOf: UnsafeBufferPointer(rebasing: pool[range]))
            }
        }
        hash.append(contentsOf: seedFields[seedIndex])
        cursor.id = Variant.digest(hash)
        cursor.hashInput = hash
    }

    /// The variant at `index` (`0..<count`), reusing `cursor`'s buffers.
    public func variant(at index: UInt64, cursor: inout Cursor) -> Variant {
        render(at: index, cursor: &cursor)
        var values = [AxisValue]()
        values.reserveCapacity(axes.count)
        for axis in axes.indices { values.append(tables.values[axis][cursor.assignment[axis]]) }
        return Variant(
            id: cursor.id, index: index, prompt: String(decoding: cursor.prompt, as: UTF8.self),
            negativePrompt: cursor.negativePrompt.map { String(decoding: $0, as: UTF8.self) }, axes: values,
            seed: cursor.seed, sizes: sizes)
    }
}

extension VariantSpace {
    /// The axis names, in campaign order.
    public var axisNames: [String] { axes.map(\.name) }

    /// For each axis, the range of its value indices.
    public var axisValueCounts: [Range<Int>] { axes.map { $0.values.indices } }
}
