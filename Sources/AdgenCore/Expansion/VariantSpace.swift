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
    let axisBytes: [[[UInt8]]]
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

    /// Builds the space of `campaign`.
    public init(campaign: Campaign) throws(Failure) {
        axes = campaign.axes
        axisBytes = campaign.axes.map { $0.values.map { Array($0.utf8) } }
        prompt = campaign.prompt
        negativePrompt = campaign.negativePrompt
        seeds = campaign.generation.seeds
        sizes = campaign.sizes
        digits = try Self.digits(axes: campaign.axes, exclude: campaign.exclude, only: campaign.only)
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
                    message: "the exclude/only rules tie axes \(names) whose combinations exceed \(maxRuleCombinations)",
                    hint: "write rules over fewer axes, or split a big axis into wildcard text")
            }
        }
        var survivors = [Int32]()
        var assignment = [Int](repeating: 0, count: axes.count)
        var counters = [Int](repeating: 0, count: members.count)
        for _ in 0..<combinations {
            for (slot, axis) in members.enumerated() { assignment[axis] = counters[slot] }
            let kept =
                (only.isEmpty || only.contains { $0.matches(assignment) }) && !exclude.contains { $0.matches(assignment) }
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

    /// The value index of every axis, the template index and the seed index of variant `index`.
    func coordinates(of index: UInt64) -> (assignment: [Int], template: UInt64, seed: Int) {
        var rest = index
        var digitValues = [UInt64](repeating: 0, count: radices.count)
        for position in radices.indices.reversed() {
            let radix = radices[position]
            digitValues[position] = rest % radix
            rest /= radix
        }
        var assignment = [Int](repeating: 0, count: axes.count)
        for (position, digit) in digits.enumerated() {
            switch digit {
            case .axis(let axis): assignment[axis] = Int(digitValues[position])
            case .group(let members, let survivors):
                let base = Int(digitValues[position]) * members.count
                for (slot, axis) in members.enumerated() { assignment[axis] = Int(survivors[base + slot]) }
            }
        }
        return (assignment, digitValues[radices.count - 2], Int(digitValues[radices.count - 1]))
    }

    /// The variant at `index` (`0..<count`).
    public func variant(at index: UInt64) -> Variant {
        precondition(index < count, "variant index \(index) out of range 0..<\(count)")
        let (assignment, template, seedIndex) = coordinates(of: index)
        var context = RenderContext(
            axisValues: assignment.enumerated().map { axisBytes[$0.offset][$0.element] },
            sequenceIndex: index / UInt64(seeds.count), seed: seeds[seedIndex])
        let negativeCount = negativePrompt?.count ?? 1
        let promptText = prompt.render(template / negativeCount, context: &context)
        let negativeText = negativePrompt.map { $0.render(template % negativeCount, context: &context) }
        let values = assignment.enumerated().map { AxisValue(name: axes[$0.offset].name, value: axes[$0.offset].values[$0.element]) }
        return Variant(
            index: index, prompt: promptText, negativePrompt: negativeText, axes: values, seed: seeds[seedIndex],
            sizes: sizes)
    }
}
