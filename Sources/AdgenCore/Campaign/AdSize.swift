import Foundation

/// Margins, in pixels, that platform UI covers (a story's top bar, its reply field); layouts keep text out of them.
public struct SafeZone: Sendable, Hashable, Codable {
    /// Pixels kept clear at the top.
    public var top: Int
    /// Pixels kept clear on the right.
    public var right: Int
    /// Pixels kept clear at the bottom.
    public var bottom: Int
    /// Pixels kept clear on the left.
    public var left: Int

    /// Creates a safe zone.
    public init(top: Int = 0, right: Int = 0, bottom: Int = 0, left: Int = 0) {
        self.top = top
        self.right = right
        self.bottom = bottom
        self.left = left
    }

    /// No margin.
    public static let none = SafeZone()

    /// Whether every margin is zero.
    public var isEmpty: Bool { self == .none }
}

/// One output size of a campaign: a platform preset (`meta-story`) or a custom `WxH`.
public struct AdSize: Sendable, Hashable, Codable {
    /// The preset id, or `WxH` for a custom size.
    public var id: String
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The platform's file-size limit in bytes (decimal units: 150 KB = 150,000 bytes), when it has one.
    public var maxBytes: Int?
    /// Margins the platform's UI covers.
    public var safeZone: SafeZone
    /// The platform, e.g. `IAB`, `Meta`, `Google Ads`, or `custom`.
    public var platform: String
    /// Where the figures come from.
    public var source: String

    /// Creates a size.
    public init(
        id: String, width: Int, height: Int, maxBytes: Int?, safeZone: SafeZone = .none, platform: String,
        source: String
    ) {
        self.id = id
        self.width = width
        self.height = height
        self.maxBytes = maxBytes
        self.safeZone = safeZone
        self.platform = platform
        self.source = source
    }

    /// Width divided by height.
    public var aspectRatio: Double { Double(width) / Double(height) }
}

extension AdSize {
    private static let kb = 1000
    private static let mb = 1000 * 1000

    /// The built-in presets, in the order `adgen sizes` lists them.
    public static let presets: [AdSize] = [
        AdSize(
            id: "iab-mrec", width: 300, height: 250, maxBytes: 150 * kb, platform: "IAB",
            source: "IAB 2017 / Google uploaded display ads"),
        AdSize(
            id: "iab-leaderboard", width: 728, height: 90, maxBytes: 150 * kb, platform: "IAB", source: "IAB 2017"),
        AdSize(
            id: "iab-skyscraper", width: 160, height: 600, maxBytes: 150 * kb, platform: "IAB", source: "IAB 2017"),
        AdSize(
            id: "iab-half-page", width: 300, height: 600, maxBytes: 150 * kb, platform: "IAB",
            source: "Google uploaded display ads"),
        AdSize(
            id: "iab-billboard", width: 970, height: 250, maxBytes: 250 * kb, platform: "IAB", source: "IAB 2017"),
        AdSize(
            id: "iab-mobile-banner", width: 320, height: 50, maxBytes: 50 * kb, platform: "IAB", source: "IAB 2017"),
        AdSize(
            id: "meta-feed", width: 1080, height: 1080, maxBytes: 30 * mb, platform: "Meta", source: "Meta ads guide"),
        AdSize(
            id: "meta-feed-portrait", width: 1080, height: 1350, maxBytes: 30 * mb, platform: "Meta",
            source: "Meta ads guide"),
        AdSize(
            id: "meta-story", width: 1080, height: 1920, maxBytes: 30 * mb, safeZone: SafeZone(top: 250, bottom: 340),
            platform: "Meta", source: "Meta ads guide"),
        AdSize(
            id: "google-rda-landscape", width: 1200, height: 628, maxBytes: 5120 * kb, platform: "Google Ads",
            source: "Google responsive display"),
        AdSize(
            id: "google-rda-square", width: 1200, height: 1200, maxBytes: 5120 * kb, platform: "Google Ads",
            source: "Google responsive display"),
        AdSize(
            id: "linkedin-landscape", width: 1200, height: 628, maxBytes: 5 * mb, platform: "LinkedIn",
            source: "LinkedIn single image"),
        AdSize(
            id: "pinterest-standard", width: 1000, height: 1500, maxBytes: 20 * mb, platform: "Pinterest",
            source: "Pinterest product specs"),
        AdSize(
            id: "x-landscape", width: 1200, height: 628, maxBytes: 5 * mb, platform: "X", source: "X creative specs"),
        AdSize(
            id: "tiktok-feed", width: 1080, height: 1920, maxBytes: 500 * kb,
            safeZone: SafeZone(top: 250, bottom: 340), platform: "TikTok",
            source: "TikTok image ads (safe zone: the story margins, as a conservative stand-in)"),
    ]

    /// The largest custom side we accept; generation models and ad platforms stop well below it.
    public static let maxCustomSide = 8192

    /// Why a size id could not be resolved.
    public enum ResolutionError: Error, Sendable, Equatable {
        /// Neither a preset nor `WxH`; carries the closest preset id, if any.
        case unknown(String, suggestion: String?)
        /// `WxH` with a zero or too large side.
        case outOfRange(String)
    }

    /// Resolves a preset id or a custom `WxH` (also `W×H`).
    public static func resolve(_ id: String) -> Result<AdSize, ResolutionError> {
        let trimmed = id.trimmingCharacters(in: .whitespaces)
        if let preset = presets.first(where: { $0.id == trimmed.lowercased() }) { return .success(preset) }
        let parts = trimmed.lowercased().split(separator: /x|×/, omittingEmptySubsequences: false)
        if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let width = Int(parts[0]), let height = Int(parts[1])
        {
            guard (1...maxCustomSide).contains(width), (1...maxCustomSide).contains(height) else {
                return .failure(.outOfRange(trimmed))
            }
            let custom = "\(width)x\(height)"
            return .success(
                AdSize(id: custom, width: width, height: height, maxBytes: nil, platform: "custom", source: "custom"))
        }
        return .failure(.unknown(trimmed, suggestion: Suggestion.closest(to: trimmed, in: presets.map(\.id))))
    }
}
