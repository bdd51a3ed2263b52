/// Counts what a campaign will make: variants, creatives, generations, cost; per axis value and per size.
public struct Planner: Sendable {
    /// Planning settings.
    public struct Configuration: Sendable {
        /// The shapes the provider generates at; nil: those of the campaign's provider and model.
        public var shapes: [GenerationShape]?

        /// The defaults.
        public init() {}
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a planner.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Plans `campaign`: counted from the variant space's structure (a sample is walked, without rendering).
    public func plan(_ campaign: Campaign) throws(VariantSpace.Failure) -> Plan {
        let expander = try Expander(campaign: campaign)
        let space = expander.space
        let statistics = expander.sampled.map { space.statistics(of: $0) } ?? space.statistics()
        let shapes =
            configuration.shapes
            ?? GenerationShape.supported(provider: campaign.generation.provider, model: campaign.generation.model)
        let shapeOfSize = campaign.sizes.map { GenerationShape.best(for: $0, among: shapes) }
        let familyOfSize = shapeOfSize.map(\.family)
        let families = Array(Set(shapeOfSize)).sorted { $0.family.ratio < $1.family.ratio }
        let variants = Int(clamping: statistics.variants)
        let distinctPrompts = Int(clamping: statistics.distinctPrompts)
        let generations = distinctPrompts * families.count
        let settings = campaign.generation
        let prices = families.map {
            PriceTable.builtIn.price(
                provider: settings.provider, model: settings.model, width: $0.width, height: $0.height,
                parameters: settings.parameters)
        }
        let estimate: Double? =
            prices.contains(nil) ? nil : prices.reduce(0) { $0 + ($1 ?? 0) } * Double(distinctPrompts)
        return Plan(
            campaign: campaign.name,
            variants: variants,
            creatives: variants * campaign.sizes.count,
            distinctPrompts: distinctPrompts,
            generations: generations,
            axes: campaign.axes.enumerated().map { axis in
                Plan.AxisCount(
                    name: axis.element.name,
                    values: zip(axis.element.values, statistics.perAxisValue[axis.offset]).map {
                        .init(value: $0, count: Int(clamping: $1))
                    })
            },
            sizes: zip(campaign.sizes, familyOfSize).map {
                Plan.SizeCount(
                    id: $0.id, width: $0.width, height: $0.height, platform: $0.platform, family: $1.name,
                    creatives: variants)
            },
            families: families.map { shape in
                Plan.FamilyCount(
                    name: shape.family.name, width: shape.width, height: shape.height,
                    sizes: zip(campaign.sizes, familyOfSize).filter { $0.1 == shape.family }.map(\.0.id),
                    generations: distinctPrompts)
            },
            provider: campaign.generation.provider,
            model: campaign.generation.model,
            estimatedCostUSD: estimate,
            totalVariants: space.count)
    }
}

/// What a campaign will make.
public struct Plan: Sendable, Codable, Equatable {
    /// Count of one axis value.
    public struct ValueCount: Sendable, Codable, Equatable {
        public var value: String
        public var count: Int
    }

    /// Counts per value of one axis.
    public struct AxisCount: Sendable, Codable, Equatable {
        public var name: String
        public var values: [ValueCount]
    }

    /// One size's creatives and the family it is cut from.
    public struct SizeCount: Sendable, Codable, Equatable {
        public var id: String
        public var width: Int
        public var height: Int
        public var platform: String
        public var family: String
        public var creatives: Int
    }

    /// One generation family, the sizes cut from it and its generations.
    public struct FamilyCount: Sendable, Codable, Equatable {
        public var name: String
        /// The generation size, in pixels.
        public var width: Int
        public var height: Int
        public var sizes: [String]
        public var generations: Int
    }

    /// The campaign's name.
    public var campaign: String
    /// Variants (creative concepts), after rules and sampling.
    public var variants: Int
    /// Creatives: variants × sizes.
    public var creatives: Int
    /// Distinct (prompt, negative prompt, seed): axis values that do not change the prompt share generations.
    public var distinctPrompts: Int
    /// Images to generate: distinct prompts × aspect families.
    public var generations: Int
    /// Per-axis counts.
    public var axes: [AxisCount]
    /// Per-size counts.
    public var sizes: [SizeCount]
    /// Per-family counts.
    public var families: [FamilyCount]
    /// The provider.
    public var provider: String
    /// The model.
    public var model: String
    /// Estimated cost in US dollars, when the price is known.
    public var estimatedCostUSD: Double?
    /// Variants before sampling.
    public var totalVariants: UInt64
}
