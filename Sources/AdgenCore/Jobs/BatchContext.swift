/// Everything about a batch that comes from its campaign, worked out once per process: the campaign with the
/// operator's `adgen.yaml` defaults applied, its sizes by id, the expander, the generation shape of each size and
/// the plan. The runner, the delivery, the manifest and the webhook events all read it; none of them loads the
/// campaign again.
public struct BatchContext: Sendable {
    /// The campaign as the batch runs it (provider defaults applied).
    public let campaign: Campaign
    /// The campaign file and the files it references, as submitted.
    public let source: CampaignSource
    /// The folder the campaign was loaded from: where its relative paths (a ComfyUI workflow) resolve.
    public let directory: String
    /// The campaign's sizes by id.
    public let sizes: [String: AdSize]
    /// The variants, lazily.
    public let expander: Expander
    /// The shape each of `campaign.sizes` is generated at, in the same order.
    public let shapes: [GenerationShape]
    /// Counts and cost estimate.
    public let plan: Plan

    /// Loads `source` (its relative paths resolve against `source.directory`) and applies `defaults` (by provider
    /// id) to what the campaign leaves unset. Throws the loader's `CampaignError`, with every diagnostic.
    public init(
        source: CampaignSource, defaults: [String: AdgenConfiguration.ProviderDefaults] = [:],
        loader: CampaignLoader = .init()
    ) throws(CampaignError) {
        var campaign = try loader.load(bytes: source.bytes, file: source.file, directory: source.directory)
        campaign.generation = campaign.generation.withDefaults(defaults[campaign.generation.provider])
        try self.init(campaign: campaign, source: source, directory: source.directory)
    }

    /// A context for a campaign already loaded from `directory` (and with its defaults applied), to be stored as
    /// `source`.
    public init(campaign: Campaign, source: CampaignSource, directory: String) throws(CampaignError) {
        self.campaign = campaign
        self.source = source
        self.directory = directory
        sizes = Dictionary(campaign.sizes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        do {
            expander = try Expander(campaign: campaign)
            plan = try Planner().plan(campaign)
        } catch {
            throw CampaignError([Diagnostic(SourceLocation(file: campaign.file, line: 1, column: 1), error.message)])
        }
        let supported = GenerationShape.supported(
            provider: campaign.generation.provider, model: campaign.generation.model)
        shapes = campaign.sizes.map { GenerationShape.best(for: $0, among: supported) }
    }

    /// The size `id` of the campaign, or nil when the batch has no such size.
    public func size(_ id: String) -> AdSize? { sizes[id] }

    /// Every creative of the batch with the generation it is cut from, lazily: one per variant and size; variants
    /// that share a prompt, seed and aspect family share a job key.
    public var creatives: PlannedCreatives { PlannedCreatives(context: self) }
}

/// The creatives of a batch, in expansion order, made as they are read.
public struct PlannedCreatives: Sequence, Sendable {
    let context: BatchContext

    /// Iterates the variants and, for each, the campaign's sizes.
    public struct Iterator: IteratorProtocol {
        let context: BatchContext
        var variants: Expander.Iterator
        var pending: [PlannedCreative] = []

        public mutating func next() -> PlannedCreative? {
            if pending.isEmpty {
                guard let variant = variants.next() else { return nil }
                let campaign = context.campaign
                let stored = StoredVariant(variant)
                for (size, shape) in zip(campaign.sizes, context.shapes).reversed() {
                    let request = campaign.request(for: variant, width: shape.width, height: shape.height)
                    pending.append(
                        PlannedCreative(
                            jobKey: request.cacheKey(provider: campaign.generation.provider), request: request,
                            family: shape.family.name, creativeID: Creative.id(variant: variant.id, size: size.id),
                            variant: stored, sizeID: size.id))
                }
            }
            return pending.popLast()
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(context: context, variants: context.expander.makeIterator())
    }
}
