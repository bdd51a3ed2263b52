import Foundation
import Yams

/// What one generated image costs, by provider, model, quality and size: the estimate of `adgen plan` and the
/// cost each job records. The built-in table is `prices/prices.yaml` (embedded; see docs/providers.md), each
/// entry with its source and date.
public struct PriceTable: Sendable {
    /// One row of the table.
    public struct Entry: Sendable, Hashable, Codable {
        /// The provider id.
        public var provider: String
        /// The model id, or `*` for any model of the provider.
        public var model: String
        /// The `quality` parameter this row applies to; nil: the default row.
        public var quality: String?
        /// A flat price per image.
        public var perImage: Double?
        /// A price per started megapixel (2^20 pixels, rounded up, at least one).
        public var perMegapixel: Double?
        /// Prices per exact size, keyed `WIDTHxHEIGHT`.
        public var sizes: [String: Double]?
        /// Where the figure comes from.
        public var source: String
        /// When it was read (`YYYY-MM-DD`).
        public var date: String
        /// Remarks.
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case provider, model, quality, sizes, source, date, note
            case perImage = "per_image"
            case perMegapixel = "per_megapixel"
        }

        /// Creates a row.
        public init(
            provider: String, model: String, quality: String? = nil, perImage: Double? = nil,
            perMegapixel: Double? = nil, sizes: [String: Double]? = nil, source: String, date: String,
            note: String? = nil
        ) {
            self.provider = provider
            self.model = model
            self.quality = quality
            self.perImage = perImage
            self.perMegapixel = perMegapixel
            self.sizes = sizes
            self.source = source
            self.date = date
            self.note = note
        }

        /// The price of one `width`×`height` image by this row.
        public func price(width: Int, height: Int) -> Double? {
            if let sizes, let exact = sizes["\(width)x\(height)"] { return exact }
            if let perImage { return perImage }
            if let perMegapixel {
                let megapixels = (Double(width * height) / 1_048_576).rounded(.up)
                return perMegapixel * max(1, megapixels)
            }
            guard let sizes, !sizes.isEmpty else { return nil }
            let pixels = width * height
            let nearest = sizes.min { lhs, rhs in
                abs(Self.pixels(lhs.key) - pixels) < abs(Self.pixels(rhs.key) - pixels)
                    || (abs(Self.pixels(lhs.key) - pixels) == abs(Self.pixels(rhs.key) - pixels)
                        && lhs.value > rhs.value)
            }
            return nearest?.value
        }

        static func pixels(_ size: String) -> Int {
            let parts = size.split(separator: "x").compactMap { Int($0) }
            return parts.count == 2 ? parts[0] * parts[1] : 0
        }
    }

    struct Document: Codable {
        var currency: String
        var prices: [Entry]
    }

    /// The rows, in file order.
    public var entries: [Entry]

    /// Creates a table.
    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Reads a table in the format of `prices/prices.yaml`.
    public init(yaml: String) throws {
        let document = try YAMLDecoder().decode(Document.self, from: yaml)
        guard document.currency == "USD" else {
            throw ProviderSetupError("the price table is in \(document.currency); adgen counts in USD")
        }
        for entry in document.prices
        where entry.perImage == nil && entry.perMegapixel == nil && (entry.sizes ?? [:]).isEmpty {
            throw ProviderSetupError(
                "the price of \(entry.provider)/\(entry.model) has none of per_image, per_megapixel, sizes")
        }
        entries = document.prices
    }

    /// The table built into adgen: `prices/prices.yaml`.
    public static let builtIn: PriceTable = {
        do {
            return try PriceTable(yaml: builtInSource)
        } catch {
            fatalError("the built-in price table does not parse: \(error); run python3 scripts/embed-prices.py")
        }
    }()

    /// The row that prices `provider`/`model` with `parameters` (its `quality`): an exact model before `*`, a row
    /// of the same quality before the default row. Nil when nothing matches.
    public func entry(provider: String, model: String, parameters: [String: String] = [:]) -> Entry? {
        let quality = parameters["quality"]
        let candidates = entries.filter { $0.provider == provider && ($0.model == model || $0.model == "*") }
        func rank(_ entry: Entry) -> Int {
            (entry.model == model ? 0 : 2) + (entry.quality == quality ? 0 : entry.quality == nil ? 1 : 10)
        }
        return candidates.filter { rank($0) < 10 }.min { rank($0) < rank($1) }
    }

    /// The price in US dollars of one `width`×`height` image from `provider`/`model`; nil when unknown.
    public func price(
        provider: String, model: String, width: Int = 1024, height: Int = 1024, parameters: [String: String] = [:]
    ) -> Double? {
        entry(provider: provider, model: model, parameters: parameters)?.price(width: width, height: height)
    }
}
