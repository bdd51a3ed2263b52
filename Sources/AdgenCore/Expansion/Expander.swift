/// Expands a campaign into its variants, lazily: a `Sequence` whose iterator builds one variant at a time from
/// its index, so the first variant of a ten-million-variant campaign comes out at once and memory stays flat.
public struct Expander: Sequence, Sendable {
    /// What to expand.
    public struct Configuration: Sendable {
        /// Variants to skip from the start (after sampling).
        public var offset: UInt64 = 0
        /// The most variants to produce, when set.
        public var limit: UInt64?

        /// Creates a configuration.
        public init(offset: UInt64 = 0, limit: UInt64? = nil) {
            self.offset = offset
            self.limit = limit
        }
    }

    /// The variant space.
    public let space: VariantSpace
    /// The chosen indices, in increasing order, when the campaign samples; nil for the whole space.
    public let sampled: [UInt64]?
    /// Offset and limit.
    public let configuration: Configuration

    /// Prepares the expansion of `campaign`.
    public init(campaign: Campaign, configuration: Configuration = .init()) throws(VariantSpace.Failure) {
        let space = try VariantSpace(campaign: campaign)
        self.space = space
        self.configuration = configuration
        if let sample = campaign.sample, UInt64(sample.max) < space.count {
            var generator = SplitMix64(seed: sample.seed)
            sampled = UniformSample.indices(count: sample.max, from: space.count, using: &generator)
        } else {
            sampled = nil
        }
    }

    /// How many variants the expansion yields (after sampling, offset and limit).
    public var count: UInt64 {
        let total = sampled.map { UInt64($0.count) } ?? space.count
        let afterOffset = total > configuration.offset ? total - configuration.offset : 0
        return configuration.limit.map { Swift.min($0, afterOffset) } ?? afterOffset
    }

    /// The indices (into `space`) of the variants, in order, lazily.
    public var indices: LazyMapSequence<Range<UInt64>, UInt64> {
        let start = configuration.offset
        let sampled = sampled
        return (start..<(start + count)).lazy.map { position in sampled.map { $0[Int(position)] } ?? position }
    }

    /// Iterates the variants: `indices`, each built into a variant with one reused cursor.
    public struct Iterator: IteratorProtocol {
        var indices: LazyMapSequence<Range<UInt64>, UInt64>.Iterator
        let space: VariantSpace
        var cursor: VariantSpace.Cursor

        /// The next variant.
        public mutating func next() -> Variant? {
            indices.next().map { space.variant(at: $0, cursor: &cursor) }
        }
    }

    /// An iterator over the variants.
    public func makeIterator() -> Iterator {
        Iterator(indices: indices.makeIterator(), space: space, cursor: space.makeCursor())
    }

    /// The number of variants, as `underestimatedCount` (exact when it fits an `Int`).
    public var underestimatedCount: Int { Int(clamping: count) }
}

/// Uniform sampling without replacement from `0..<n`, without materialising `0..<n`.
enum UniformSample {
    /// `count` distinct indices from `0..<total`, sorted, chosen uniformly (Floyd's algorithm: memory is
    /// proportional to `count`, not `total`).
    static func indices(count: Int, from total: UInt64, using generator: inout SplitMix64) -> [UInt64] {
        precondition(UInt64(count) <= total)
        var chosen = Set<UInt64>(minimumCapacity: count)
        var start = total - UInt64(count)
        while start < total {
            let candidate = generator.next(upperBound: start + 1)
            if !chosen.insert(candidate).inserted { chosen.insert(start) }
            start += 1
        }
        return chosen.sorted()
    }
}

/// SplitMix64: a small, fast generator with a fixed algorithm, so a seed draws the same values on every
/// machine and Swift version (the standard library's generators promise neither).
public struct SplitMix64: Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0..<upperBound` (Lemire's method with rejection: no modulo bias).
    public mutating func next(upperBound: UInt64) -> UInt64 {
        precondition(upperBound > 0)
        var product = next().multipliedFullWidth(by: upperBound)
        if product.low < upperBound {
            let threshold = (0 &- upperBound) % upperBound
            while product.low < threshold { product = next().multipliedFullWidth(by: upperBound) }
        }
        return product.high
    }
}
