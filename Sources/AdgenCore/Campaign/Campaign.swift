/// A campaign brief, loaded and checked: everything the later stages need, with every path resolved.
public struct Campaign: Sendable {
    /// The campaign's id (`campaign:`), used in output folder names.
    public var name: String
    /// The file it was loaded from, as the user named it.
    public var file: String
    /// The brand: name, colours, font, logo.
    public var brand: Brand
    /// The advertiser's product image and how it gets into every creative, when the campaign has one.
    public var product: Product? = nil
    /// Free-form brief fields, referenced in templates as `{{brief.KEY}}`, in file order.
    public var brief: [BriefField]
    /// The axes, in file order; every combination of their values is a variant (before rules and sampling).
    public var axes: [Axis]
    /// The prompt template.
    public var prompt: Template
    /// The negative prompt template, when the campaign has one.
    public var negativePrompt: Template?
    /// Partial axis assignments to drop.
    public var exclude: [AxisRule]
    /// Partial axis assignments to keep (when present, a variant must match at least one).
    public var only: [AxisRule]
    /// A uniform random subset to draw instead of the whole product.
    public var sample: Sample?
    /// The largest number of variants accepted without `sample`.
    public var maxVariants: Int
    /// The sizes every variant is rendered at.
    public var sizes: [AdSize]
    /// How images are generated.
    public var generation: GenerationSettings
    /// The image pipeline, in order.
    public var pipeline: [PipelineStepSpec]
    /// Scoring settings.
    public var scoring: ScoringSettings
    /// Where results are delivered.
    public var export: [ExportTarget]

    /// The default of `max_variants`.
    public static let defaultMaxVariants = 10_000
}

/// The brand a campaign advertises.
public struct Brand: Sendable, Hashable {
    /// The brand's name.
    public var name: String
    /// Brand colours as `#RRGGBB`, primary first.
    public var colors: [String]
    /// A fontconfig font name, e.g. `DejaVu Sans Bold`.
    public var font: String?
    /// The logo file, resolved against the campaign file's folder.
    public var logo: String?
    /// The logo file's SHA-256 (64 hex digits) and media type, for reference requests that send it.
    public var logoSHA256: String? = nil
    public var logoMediaType: String? = nil
}

/// One field of the brief (`product`, `offer`, …).
public struct BriefField: Sendable, Hashable {
    /// The key, as used in `{{brief.KEY}}`.
    public var key: String
    /// The text.
    public var value: String
}

/// A campaign axis: a name and the values a variant takes for it.
public struct Axis: Sendable, Hashable {
    /// The axis name, as used in `{{NAME}}` and in rules.
    public var name: String
    /// Its values, in file order, each literal text.
    public var values: [String]
}

/// A partial axis assignment (`{ audience: city commuters, style: [a, b] }`): it matches a variant when
/// each named axis has one of the listed values.
public struct AxisRule: Sendable, Hashable {
    /// For each named axis (by index into `Campaign.axes`), the value indices that match.
    public var conditions: [Int: Set<Int>]

    /// Creates a rule.
    public init(conditions: [Int: Set<Int>]) { self.conditions = conditions }

    /// Whether an assignment (value index per axis) matches every condition.
    public func matches(_ assignment: [Int]) -> Bool {
        conditions.allSatisfy { axis, values in values.contains(assignment[axis]) }
    }
}

/// `sample: { max, seed }`: draw `max` variants uniformly at random without replacement.
public struct Sample: Sendable, Hashable {
    /// How many variants to keep.
    public var max: Int
    /// The random seed; the same seed draws the same subset on every machine.
    public var seed: UInt64

    /// Creates a sample.
    public init(max: Int, seed: UInt64) {
        self.max = max
        self.seed = seed
    }
}

/// `generation:` settings. The batches issue adds the remote providers; these keys are checked now.
public struct GenerationSettings: Sendable, Hashable {
    /// The provider id (`local` by default).
    public var provider: String = "local"
    /// The model id; the local renderer's is `procedural-v1`.
    public var model: String = "procedural-v1"
    /// The seeds every prompt is generated with.
    public var seeds: [UInt64] = [1]
    /// How many generations run at once.
    public var concurrency: Int = 4
    /// The budget cap in US dollars, when set.
    public var maxCostUSD: Double?
    /// The provider's base URL, for self-hosted providers.
    public var baseURL: String?
    /// Extra model parameters passed through to the provider.
    public var parameters: [String: String] = [:]
    /// The provider's rate limits, when set: requests and images per minute.
    public var requestsPerMinute: Double?
    public var imagesPerMinute: Double?
    /// Attempts per generation, the first included (default 6).
    public var maxAttempts: Int?
    /// Seconds one request may take (default 300).
    public var timeoutSeconds: Double?
    /// The keys the campaign set itself (the others may come from `adgen.yaml`).
    public var explicitKeys: Set<String> = []

    /// The providers adgen knows.
    public static let knownProviders = ["local", "openai", "replicate", "fal", "comfyui", "automatic1111", "http"]
}

/// `scoring:` settings.
public struct ScoringSettings: Sendable, Hashable {
    /// Creatives scoring below this are dropped or flagged.
    public var minScore: Double?
    /// What happens below `min_score`.
    public var belowMinimum: BelowMinimum = .flag
    /// Keep only the best of each near-duplicate group.
    public var dedupe: Bool = false
    /// Weights by check name (one of `Scorer.checkNames` other than `spec`), checked at load.
    public var weights: [String: Double] = [:]

    /// `below_min`: what happens to a creative scoring below `min_score`.
    public enum BelowMinimum: String, Sendable, Hashable, CaseIterable {
        /// It is dropped (its file removed, the reason recorded).
        case drop
        /// It is kept and tagged `below-min-score`.
        case flag
    }
}

/// One entry of `export:`.
public enum ExportTarget: Sendable, Hashable {
    /// A folder, resolved against the campaign file's folder.
    case folder(String)
    /// A webhook receiver, with the events it is sent (all when the list is empty).
    case webhook(url: String, secretEnv: String?, events: [WebhookEvent.Kind])
}
