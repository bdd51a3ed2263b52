import Foundation

/// What an export delivers, as `manifest.json` records it: the campaign, the batch, its totals and cost, every
/// delivered creative with its file, checksum, copy, scores and tags, and every creative left out with the
/// reason. Version 1; `docs/manifest.md` documents every field and `docs/manifest.schema.json` is its schema.
public struct Manifest: Sendable, Codable, Equatable {
    /// The manifest format this build writes. Additive changes keep it; a breaking change bumps it.
    public static let currentVersion = 1

    /// The manifest format (`1`).
    public var manifestVersion: Int
    /// The adgen release that wrote it.
    public var adgenVersion: String
    /// The campaign: name, brand, sizes, axes.
    public var campaign: CampaignSummary
    /// The batch: id, state, provider, model, dates.
    public var batch: BatchSummary
    /// How many creatives and generations ended how.
    public var totals: Totals
    /// What the batch paid, in US dollars (every generation, also those whose creatives are excluded).
    public var costUSD: Double
    /// The delivered creatives, by the campaign's size order, then id.
    public var creatives: [CreativeEntry]
    /// The creatives not delivered (failed, cancelled, dropped, not made yet), in the same order.
    public var excluded: [ExcludedEntry]

    /// Creates a manifest from its parts.
    public init(
        manifestVersion: Int, adgenVersion: String, campaign: CampaignSummary, batch: BatchSummary, totals: Totals,
        costUSD: Double, creatives: [CreativeEntry], excluded: [ExcludedEntry]
    ) {
        self.manifestVersion = manifestVersion
        self.adgenVersion = adgenVersion
        self.campaign = campaign
        self.batch = batch
        self.totals = totals
        self.costUSD = costUSD
        self.creatives = creatives
        self.excluded = excluded
    }

    enum CodingKeys: String, CodingKey {
        case manifestVersion = "manifest_version"
        case adgenVersion = "adgen_version"
        case campaign, batch, totals
        case costUSD = "cost_usd"
        case creatives, excluded
    }

    /// The campaign a batch was made from: only what a receiver needs (no export targets, no webhook settings).
    public struct CampaignSummary: Sendable, Codable, Equatable {
        /// The campaign's id (`campaign:`).
        public var name: String
        /// The campaign file's name (without its folder).
        public var file: String
        /// The brand.
        public var brand: Brand
        /// The sizes, in the campaign's order.
        public var sizes: [Size]
        /// The axes, in the campaign's order.
        public var axes: [AxisSummary]

        /// The brand's name and colours.
        public struct Brand: Sendable, Codable, Equatable {
            /// The brand's name.
            public var name: String
            /// Its colours, `#RRGGBB`, primary first.
            public var colors: [String]
        }

        /// One size of the campaign.
        public struct Size: Sendable, Codable, Equatable {
            /// The preset id or `WxH`.
            public var id: String
            /// Width and height in pixels.
            public var width: Int
            public var height: Int
            /// The platform (`Meta`, `IAB`, `custom` …).
            public var platform: String
            /// The platform's file-size limit in bytes, when it has one.
            public var maxBytes: Int?

            enum CodingKeys: String, CodingKey {
                case id, width, height, platform
                case maxBytes = "max_bytes"
            }
        }

        /// An axis and its values.
        public struct AxisSummary: Sendable, Codable, Equatable {
            /// The axis name.
            public var name: String
            /// Its values, in file order.
            public var values: [String]
        }
    }

    /// The batch a manifest delivers.
    public struct BatchSummary: Sendable, Codable, Equatable {
        /// The batch id.
        public var id: String
        /// Its state (`completed`, `failed`, `cancelled`, or a running state for a partial export).
        public var state: String
        /// The provider and model of its generations.
        public var provider: String
        public var model: String
        /// When it was submitted and finished (ISO 8601, UTC, milliseconds).
        public var createdAt: Date
        public var finishedAt: Date?
        /// The idempotency key it was submitted with.
        public var idempotencyKey: String?
        /// Why it failed or was cancelled, or what stopped it early (`budget: …`).
        public var reason: String?

        enum CodingKeys: String, CodingKey {
            case id, state, provider, model, reason
            case createdAt = "created_at"
            case finishedAt = "finished_at"
            case idempotencyKey = "idempotency_key"
        }
    }

    /// Counts of creatives and generations by how they ended.
    public struct Totals: Sendable, Codable, Equatable {
        /// Creatives planned.
        public var creatives: Int
        /// Made (scored), including those dropped afterwards.
        public var made: Int
        /// Made and not dropped: the ones in `creatives`.
        public var delivered: Int
        /// Dropped after scoring (near-duplicate, below `min_score`).
        public var dropped: Int
        /// Failed or cancelled.
        public var failed: Int
        public var cancelled: Int
        /// Not made yet (a partial export of a batch still running or paused).
        public var pending: Int
        /// Generations (jobs), and how many of them came from the cache (nothing paid) or failed.
        public var generations: Int
        public var generationsCached: Int
        public var generationsFailed: Int

        enum CodingKeys: String, CodingKey {
            case creatives, made, delivered, dropped, failed, cancelled, pending, generations
            case generationsCached = "generations_cached"
            case generationsFailed = "generations_failed"
        }
    }

    /// One delivered creative.
    public struct CreativeEntry: Sendable, Codable, Equatable {
        /// The creative id.
        public var id: String
        /// The variant it renders.
        public var variantID: String
        /// The file, relative to the export folder: `<size-id>/<creative-id>.<ext>`.
        public var file: String
        /// The size and its platform.
        public var sizeID: String
        public var platform: String
        /// Pixels.
        public var width: Int
        public var height: Int
        /// The file's length and SHA-256 (hex).
        public var bytes: Int
        public var sha256: String
        /// `jpeg`, `png`, `webp` or `avif`.
        public var format: String
        /// The prompt and negative prompt of its generation.
        public var prompt: String
        public var negativePrompt: String?
        /// Axis values by axis name.
        public var axes: [String: String]
        /// The generation's seed, provider and model.
        public var seed: UInt64
        public var provider: String
        public var model: String
        /// Its share of its generation's cost: the cost split evenly among every creative cut from that
        /// generation, rounded to a millionth of a dollar.
        public var costUSD: Double
        /// The weighted total score, 0…1 (nil when it was not scored).
        public var score: Double?
        /// Every check of its scorecard.
        public var scores: [Check]
        /// Its tags (`size:…`, `headline:…`, `below-min-score` …).
        public var tags: [String]
        /// Text-fit and encoding events.
        public var events: [String]
        /// Where the layout put the subject and the copy: `[x, y, width, height]` in pixels by role (`subject`,
        /// `headline`, `offer`, `cta`, `logo`, `brand`; those present).
        public var boxes: [String: [Int]]?

        enum CodingKeys: String, CodingKey {
            case id, file, platform, width, height, bytes, sha256, format, prompt, axes, seed, provider, model
            case score, scores, tags, events, boxes
            case variantID = "variant_id"
            case sizeID = "size_id"
            case negativePrompt = "negative_prompt"
            case costUSD = "cost_usd"
        }
    }

    /// One check of a creative's scorecard.
    public struct Check: Sendable, Codable, Equatable {
        /// The check (`legibility`, `sharpness` …).
        public var name: String
        /// What was measured, the threshold, whether it passed and its score; null when the check was skipped.
        public var value: Double?
        public var threshold: Double?
        public var passed: Bool?
        public var score: Double?
        /// Why, in one line.
        public var reason: String

        enum CodingKeys: String, CodingKey {
            case name, value, threshold, passed, score, reason
        }

        /// Encodes every key, skipped values as `null`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(value, forKey: .value)
            try container.encode(threshold, forKey: .threshold)
            try container.encode(passed, forKey: .passed)
            try container.encode(score, forKey: .score)
            try container.encode(reason, forKey: .reason)
        }
    }

    /// A creative not delivered.
    public struct ExcludedEntry: Sendable, Codable, Equatable {
        /// The creative id and its size.
        public var id: String
        public var sizeID: String
        /// `failed`, `cancelled`, `dropped` or `pending`.
        public var state: String
        /// Why.
        public var reason: String

        enum CodingKeys: String, CodingKey {
            case id, state, reason
            case sizeID = "size_id"
        }
    }
}

extension Manifest {
    /// The manifest of `delivery`. Deterministic: the same records give the same manifest (no clock is read).
    public init(_ delivery: DeliveryBatch) {
        let campaign = delivery.campaign
        let batch = delivery.batch
        let jobs = Dictionary(delivery.jobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var perJob: [Int64: Int] = [:]
        for record in delivery.creatives { perJob[record.jobID, default: 0] += 1 }
        let sizes = Dictionary(campaign.sizes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        var creatives: [CreativeEntry] = []
        var excluded: [ExcludedEntry] = []
        for record in Self.ordered(delivery.creatives, campaign: campaign) {
            if record.state == .succeeded, record.dropped == nil, let size = sizes[record.sizeID] {
                let job = jobs[record.jobID]
                let share = (job?.costUSD ?? 0) / Double(max(1, perJob[record.jobID] ?? 1))
                creatives.append(
                    CreativeEntry(
                        id: record.id, variantID: record.variant.id, file: Self.file(of: record),
                        sizeID: record.sizeID, platform: size.platform, width: size.width, height: size.height,
                        bytes: record.bytes ?? 0, sha256: record.sha256 ?? "", format: Self.format(of: record),
                        prompt: record.variant.prompt, negativePrompt: record.variant.negativePrompt,
                        axes: Dictionary(
                            record.variant.axes.filter { $0.count == 2 }.map { ($0[0], $0[1]) },
                            uniquingKeysWith: { first, _ in first }),
                        seed: record.variant.seed, provider: batch.provider, model: job?.request.model ?? batch.model,
                        costUSD: Self.micro(share), score: record.scorecard.flatMap { Self.finite($0.total) },
                        scores: (record.scorecard?.checks ?? []).map {
                            Check(
                                name: $0.name, value: $0.value.flatMap(Self.finite),
                                threshold: $0.threshold.flatMap(Self.finite), passed: $0.passed,
                                score: $0.score.flatMap(Self.finite), reason: $0.reason)
                        },
                        tags: record.scorecard?.tags ?? [], events: record.events, boxes: record.boxes))
            } else {
                let state = record.dropped != nil ? "dropped" : record.state.rawValue
                let reason =
                    record.dropped ?? record.failure
                    ?? (sizes[record.sizeID] == nil ? "its size \(record.sizeID) is not in the batch's campaign" : nil)
                    ?? (record.state == .pending
                        ? "not made yet: the batch is \(batch.state.rawValue)" : "no reason recorded")
                excluded.append(ExcludedEntry(id: record.id, sizeID: record.sizeID, state: state, reason: reason))
            }
        }

        let records = delivery.creatives
        self.init(
            manifestVersion: Self.currentVersion, adgenVersion: AdgenVersion.current,
            campaign: CampaignSummary(
                name: campaign.name, file: (campaign.file as NSString).lastPathComponent,
                brand: .init(name: campaign.brand.name, colors: campaign.brand.colors),
                sizes: campaign.sizes.map {
                    .init(id: $0.id, width: $0.width, height: $0.height, platform: $0.platform, maxBytes: $0.maxBytes)
                },
                axes: campaign.axes.map { .init(name: $0.name, values: $0.values) }),
            batch: BatchSummary(
                id: batch.id, state: batch.state.rawValue, provider: batch.provider, model: batch.model,
                createdAt: Self.milliseconds(batch.createdAt), finishedAt: batch.finishedAt.map(Self.milliseconds),
                idempotencyKey: batch.idempotencyKey, reason: batch.reason),
            totals: Totals(
                creatives: records.count, made: records.count { $0.state == .succeeded },
                delivered: creatives.count, dropped: records.count { $0.state == .succeeded && $0.dropped != nil },
                failed: records.count { $0.state == .failed }, cancelled: records.count { $0.state == .cancelled },
                pending: records.count { $0.state == .pending }, generations: delivery.jobs.count,
                generationsCached: delivery.jobs.count { $0.cached },
                generationsFailed: delivery.jobs.count { $0.state == .failed }),
            costUSD: Self.micro(batch.costUSD), creatives: creatives, excluded: excluded)
    }

    /// The manifest as `manifest.json` holds it: UTF-8 JSON, pretty-printed, keys sorted, dates in ISO 8601
    /// (UTC, milliseconds), a final newline.
    public func json() -> [UInt8] {
        // Every value is finite and every key a string, so encoding cannot fail.
        let data = (try? Self.encoder().encode(self)) ?? Data("{}".utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// The encoder of `manifest.json`: pretty-printed, keys sorted, slashes as they are, dates in ISO 8601.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.iso8601(date))
        }
        return encoder
    }

    /// Reads a manifest written by `json()`.
    public init(json bytes: [UInt8]) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Self.parseISO8601(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an ISO 8601 date, found \(text)")
            }
            return date
        }
        self = try decoder.decode(Manifest.self, from: Data(bytes))
    }
}

extension Manifest {
    /// A creative's file in the export folder: `<size-id>/<creative-id>.<ext>`, each part through `SafeName`.
    static func file(of record: CreativeRecord) -> String {
        let recorded = ((record.file ?? "") as NSString).pathExtension
        let ext = recorded.isEmpty ? (record.format == "jpeg" ? "jpg" : record.format ?? "bin") : recorded
        return "\(SafeName.component(record.sizeID))/\(SafeName.component(record.id)).\(SafeName.component(ext))"
    }

    static func format(of record: CreativeRecord) -> String {
        if let format = record.format { return format }
        let ext = ((record.file ?? "") as NSString).pathExtension.lowercased()
        return ext == "jpg" ? "jpeg" : ext
    }

    /// Records by the campaign's size order (unknown sizes last, by id), then by id.
    static func ordered(_ records: [CreativeRecord], campaign: Campaign) -> [CreativeRecord] {
        let order = Dictionary(
            campaign.sizes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        return records.sorted { lhs, rhs in
            let left = order[lhs.sizeID] ?? Int.max
            let right = order[rhs.sizeID] ?? Int.max
            if left != right { return left < right }
            if lhs.sizeID != rhs.sizeID { return lhs.sizeID < rhs.sizeID }
            return lhs.id < rhs.id
        }
    }

    static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    static func micro(_ value: Double) -> Double { value.isFinite ? (value * 1_000_000).rounded() / 1_000_000 : 0 }

    static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// `2026-03-01T09:30:00.250Z`.
    static func iso8601(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        var fraction = milliseconds % 1000
        if fraction < 0 {
            fraction += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }

    static func parseISO8601(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
