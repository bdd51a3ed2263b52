extension VariantSpace {
    /// Counts for planning: variants per axis value, and distinct prompts (prompt axes' values, template index
    /// and seed; other axes share their generation).
    struct Statistics {
        var variants: UInt64 = 0
        var perAxisValue: [[UInt64]]
        var distinctPrompts: UInt64 = 0
    }

    /// The statistics of the whole space, from its digits alone: nothing is enumerated but the rule groups'
    /// surviving combinations, which the space already holds.
    func statistics() -> Statistics {
        var statistics = Statistics(perAxisValue: axes.map { Array(repeating: 0, count: $0.values.count) })
        statistics.variants = count
        guard count > 0 else { return statistics }
        let prompting = Set(promptAxes)
        var distinct = templateCount &* UInt64(seeds.count)
        for (position, digit) in digits.enumerated() {
            let share = count / radices[position]
            switch digit {
            case .axis(let axis):
                for value in axes[axis].values.indices { statistics.perAxisValue[axis][value] = share }
                if prompting.contains(axis) { distinct &*= radices[position] }
            case .group(let members, let survivors):
                var projections = Set<[Int32]>()
                let projected = members.indices.filter { prompting.contains(members[$0]) }
                for start in stride(from: 0, to: survivors.count, by: members.count) {
                    for (slot, axis) in members.enumerated() {
                        statistics.perAxisValue[axis][Int(survivors[start + slot])] += share
                    }
                    projections.insert(projected.map { survivors[start + $0] })
                }
                distinct &*= UInt64(projections.count)
            }
        }
        statistics.distinctPrompts = distinct
        return statistics
    }

    /// The statistics of the variants at `indices` (a sample), from their coordinates: no prompt is rendered.
    func statistics(of indices: some Sequence<UInt64>) -> Statistics {
        var statistics = Statistics(perAxisValue: axes.map { Array(repeating: 0, count: $0.values.count) })
        var assignment = [Int](repeating: 0, count: axes.count)
        var prompts = Set<[UInt64]>()
        for index in indices {
            let (template, seed) = coordinates(of: index, into: &assignment)
            statistics.variants += 1
            for (axis, value) in assignment.enumerated() { statistics.perAxisValue[axis][value] += 1 }
            prompts.insert(promptAxes.map { UInt64(assignment[$0]) } + [template, UInt64(seed)])
        }
        statistics.distinctPrompts = UInt64(prompts.count)
        return statistics
    }
}
