import Crypto
import Foundation

/// One run of a campaign: its generations (jobs) and creatives, their states, counts and cost.
public struct Batch: Sendable, Codable, Equatable {
    /// Where a batch is: `validating → queued → in_progress → finalizing → completed | failed | cancelled`.
    public enum State: String, Sendable, Codable, CaseIterable {
        case validating, queued
        case inProgress = "in_progress"
        case finalizing, completed, failed, cancelled

        /// Whether the batch is over.
        public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    /// How many of a kind are in each end state.
    public struct Counts: Sendable, Codable, Equatable {
        public var total = 0
        public var completed = 0
        public var failed = 0
        public var cancelled = 0

        /// Not finished yet.
        public var remaining: Int { total - completed - failed - cancelled }

        /// Creates counts.
        public init(total: Int = 0, completed: Int = 0, failed: Int = 0, cancelled: Int = 0) {
            self.total = total
            self.completed = completed
            self.failed = failed
            self.cancelled = cancelled
        }
    }

    /// The batch id (`b_` and 16 hex digits).
    public var id: String
    /// The campaign's name.
    public var campaign: String
    public var state: State
    /// The provider and model of its generations.
    public var provider: String
    public var model: String
    /// Creatives by state.
    public var creatives: Counts
    /// Generations (jobs) by state.
    public var jobs: Counts
    /// What was paid, in US dollars.
    public var costUSD: Double
    /// The estimate before the run, when prices are known.
    public var estimatedCostUSD: Double?
    /// The budget cap (`generation.max_cost_usd`).
    public var maxCostUSD: Double?
    /// The key the batch was submitted with; submitting again with it returns this batch.
    public var idempotencyKey: String?
    /// Who submitted it through the HTTP service; nil for the CLI's own batches.
    public var tenant: String?
    /// The digest of the request it was submitted with (`BatchHeader.requestDigest`).
    public var requestDigest: String?
    /// Why it failed, was cancelled or paused (`budget`, `cancelled by user`, a disk error …).
    public var reason: String?
    /// Where its creatives are written.
    public var outputDirectory: String
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    /// Creates a record (stores build these from their rows).
    package init(
        id: String, campaign: String, state: State, provider: String, model: String, creatives: Counts, jobs: Counts,
        costUSD: Double, estimatedCostUSD: Double? = nil, maxCostUSD: Double? = nil, idempotencyKey: String? = nil,
        reason: String? = nil, outputDirectory: String, createdAt: Date, updatedAt: Date, finishedAt: Date? = nil,
        tenant: String? = nil, requestDigest: String? = nil
    ) {
        self.id = id
        self.campaign = campaign
        self.state = state
        self.provider = provider
        self.model = model
        self.creatives = creatives
        self.jobs = jobs
        self.costUSD = costUSD
        self.estimatedCostUSD = estimatedCostUSD
        self.maxCostUSD = maxCostUSD
        self.idempotencyKey = idempotencyKey
        self.reason = reason
        self.outputDirectory = outputDirectory
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.tenant = tenant
        self.requestDigest = requestDigest
    }
}

/// A generation to make: one image per (prompt, negative prompt, seed, aspect family), from which every size of
/// that family is cut.
public struct GenerationJob: Sendable, Codable, Equatable {
    /// `pending → running → succeeded | failed | cancelled`; a failed attempt that may be retried goes back to
    /// `pending` with a later `notBefore`.
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, running, succeeded, failed, cancelled
    }

    /// Row id in the store.
    public var id: Int64
    public var batchID: String
    /// The cache key: SHA-256 of what determines the image (see `GenerationRequest.cacheKey`).
    public var key: String
    public var request: GenerationRequest
    /// The aspect family it is generated for (`1:1`, `9:16` …).
    public var family: String
    public var state: State
    /// Attempts started so far.
    public var attempts: Int
    /// The last error, one line.
    public var lastError: String?
    /// The provider's id for the request.
    public var providerRequestID: String?
    /// What it cost.
    public var costUSD: Double
    /// Whether the image came from the cache (nothing paid).
    public var cached: Bool
    /// The process holding it while running (`host/pid`), and until when.
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    /// Not to be started before this moment (backoff, Retry-After).
    public var notBefore: Date

    /// Creates a record (stores build these from their rows).
    package init(
        id: Int64, batchID: String, key: String, request: GenerationRequest, family: String, state: State,
        attempts: Int, lastError: String? = nil, providerRequestID: String? = nil, costUSD: Double, cached: Bool,
        leaseOwner: String? = nil, leaseExpiresAt: Date? = nil, notBefore: Date
    ) {
        self.id = id
        self.batchID = batchID
        self.key = key
        self.request = request
        self.family = family
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.providerRequestID = providerRequestID
        self.costUSD = costUSD
        self.cached = cached
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.notBefore = notBefore
    }
}

/// A creative of a batch: one variant at one size, cut from one job's image.
public struct CreativeRecord: Sendable, Codable {
    /// `pending → succeeded | failed | cancelled`.
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending, succeeded, failed, cancelled
    }

    /// The creative id (variant id + size, hashed).
    public var id: String
    public var batchID: String
    public var jobID: Int64
    public var variant: StoredVariant
    public var sizeID: String
    public var state: State
    /// The file, relative to the batch's output directory (`<size-id>/<creative-id>.<ext>`).
    public var file: String?
    public var bytes: Int?
    /// SHA-256 of the file, hex.
    public var sha256: String?
    public var format: String?
    public var scorecard: Scorecard?
    /// Text-fit and encoding events.
    public var events: [String]
    /// Where the layout put the subject and the copy, `[x, y, width, height]` in pixels by role (`subject`,
    /// `headline`, `offer`, `cta`, `logo`, `brand`; those present); nil when it was not laid out.
    public var boxes: [String: [Int]]?
    /// Why it failed or was cancelled.
    public var failure: String?
    /// Why it was dropped after scoring (near-duplicate, below `min_score`); its file is removed.
    public var dropped: String?
    /// Where it came in the order its batch's creatives reached a final state (succeeded, failed, cancelled): 1, 2,
    /// 3 … with no gaps, set in the transaction that finished it and never changed afterwards; nil while pending.
    public var finishedSequence: Int64?

    /// Creates a record (stores build these from their rows).
    package init(
        id: String, batchID: String, jobID: Int64, variant: StoredVariant, sizeID: String, state: State,
        file: String? = nil, bytes: Int? = nil, sha256: String? = nil, format: String? = nil,
        scorecard: Scorecard? = nil, events: [String], boxes: [String: [Int]]? = nil, failure: String? = nil,
        dropped: String? = nil, finishedSequence: Int64? = nil
    ) {
        self.boxes = boxes
        self.id = id
        self.batchID = batchID
        self.jobID = jobID
        self.variant = variant
        self.sizeID = sizeID
        self.state = state
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
        self.format = format
        self.scorecard = scorecard
        self.events = events
        self.failure = failure
        self.dropped = dropped
        self.finishedSequence = finishedSequence
    }
}

/// The part of a `Variant` a batch keeps: enough to lay out its copy and to report it.
public struct StoredVariant: Sendable, Codable, Equatable {
    public var id: String
    public var index: UInt64
    public var prompt: String
    public var negativePrompt: String?
    /// Axis values in the campaign's axis order, as `[name, value]` pairs.
    public var axes: [[String]]
    public var seed: UInt64

    /// Keeps `variant`.
    public init(_ variant: Variant) {
        id = variant.id
        index = variant.index
        prompt = variant.prompt
        negativePrompt = variant.negativePrompt
        axes = variant.axes.map { [$0.name, $0.value] }
        seed = variant.seed
    }

    /// The variant again, rendered at `sizes`.
    public func variant(sizes: [AdSize]) -> Variant {
        Variant(
            id: id, index: index, prompt: prompt, negativePrompt: negativePrompt,
            axes: axes.map { AxisValue(name: $0[0], value: $0[1]) }, seed: seed, sizes: sizes)
    }
}

extension GenerationRequest: Codable {
    enum CodingKeys: String, CodingKey {
        case prompt, negativePrompt, seed, width, height, model, brandColors, parameters, references
    }

    enum ReferenceKeys: String, CodingKey {
        case role, name, mediaType, sha256
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            prompt: try container.decode(String.self, forKey: .prompt),
            negativePrompt: try container.decodeIfPresent(String.self, forKey: .negativePrompt),
            seed: try container.decode(UInt64.self, forKey: .seed),
            width: try container.decode(Int.self, forKey: .width),
            height: try container.decode(Int.self, forKey: .height),
            model: try container.decode(String.self, forKey: .model),
            brandColors: try container.decodeIfPresent([String].self, forKey: .brandColors) ?? [],
            parameters: try container.decodeIfPresent([String: String].self, forKey: .parameters) ?? [:])
        if container.contains(.references) {
            var list = try container.nestedUnkeyedContainer(forKey: .references)
            while !list.isAtEnd {
                let reference = try list.nestedContainer(keyedBy: ReferenceKeys.self)
                references.append(
                    ReferenceImage(
                        role: try reference.decode(ReferenceImage.Role.self, forKey: .role),
                        name: try reference.decode(String.self, forKey: .name),
                        mediaType: try reference.decode(String.self, forKey: .mediaType),
                        sha256: try reference.decode(String.self, forKey: .sha256)))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prompt, forKey: .prompt)
        try container.encodeIfPresent(negativePrompt, forKey: .negativePrompt)
        try container.encode(seed, forKey: .seed)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(model, forKey: .model)
        if !brandColors.isEmpty { try container.encode(brandColors, forKey: .brandColors) }
        if !parameters.isEmpty { try container.encode(parameters, forKey: .parameters) }
        if !references.isEmpty {
            // The bytes stay out: they are the campaign's files, attached again when the request is sent.
            var list = container.nestedUnkeyedContainer(forKey: .references)
            for image in references {
                var reference = list.nestedContainer(keyedBy: ReferenceKeys.self)
                try reference.encode(image.role, forKey: .role)
                try reference.encode(image.name, forKey: .name)
                try reference.encode(image.mediaType, forKey: .mediaType)
                try reference.encode(image.sha256, forKey: .sha256)
            }
        }
    }

    /// What makes the image: SHA-256 over the provider, model, prompt, negative prompt, seed, size, brand colours
    /// parameters (sorted) and reference images (by role and digest), as 64 hex digits. Two requests with the same key give the same image, so a
    /// generation made once is never paid for again.
    public func cacheKey(provider: String) -> String {
        var encoding = Array("adgen-generation-1".utf8)
        Variant.appendField(UInt8(ascii: "P"), provider.utf8, to: &encoding)
        Variant.appendField(UInt8(ascii: "m"), model.utf8, to: &encoding)
        Variant.appendField(UInt8(ascii: "p"), prompt.utf8, to: &encoding)
        if let negativePrompt { Variant.appendField(UInt8(ascii: "n"), negativePrompt.utf8, to: &encoding) }
        Variant.appendField(UInt8(ascii: "s"), String(seed).utf8, to: &encoding)
        Variant.appendField(UInt8(ascii: "w"), String(width).utf8, to: &encoding)
        Variant.appendField(UInt8(ascii: "h"), String(height).utf8, to: &encoding)
        for color in brandColors { Variant.appendField(UInt8(ascii: "c"), color.utf8, to: &encoding) }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            Variant.appendField(UInt8(ascii: "k"), name.utf8, to: &encoding)
            Variant.appendField(UInt8(ascii: "v"), value.utf8, to: &encoding)
        }
        for image in references {
            Variant.appendField(UInt8(ascii: "r"), image.role.rawValue.utf8, to: &encoding)
            Variant.appendField(UInt8(ascii: "d"), image.sha256.utf8, to: &encoding)
        }
        return SHA256.hash(data: encoding).withUnsafeBytes { Hex.prefix(of: $0, digits: 64) }
    }
}
