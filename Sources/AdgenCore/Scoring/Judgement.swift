import Foundation

/// The batch pass of scoring, once every creative has its own scorecard: novelty across the batch (compared
/// within a size and the same copy — headline variants share a picture on purpose), then `scoring.min_score`
/// (flag or drop) and `scoring.dedupe` (keep the best of each near-duplicate group).
public struct Judgement: Sendable {
    /// One creative as the pass sees it.
    public struct Entry: Sendable {
        public var id: String
        /// Creatives are compared only with others of the same key (size and copy).
        public var key: String
        public var scorecard: Scorecard

        /// Creates an entry.
        public init(id: String, key: String, scorecard: Scorecard) {
            self.id = id
            self.key = key
            self.scorecard = scorecard
        }
    }

    /// The scorer (for its near-duplicate threshold).
    public var scorer: Scorer
    /// The campaign's `scoring:` settings.
    public var settings: ScoringSettings

    /// Creates a pass.
    public init(scorer: Scorer, settings: ScoringSettings) {
        self.scorer = scorer
        self.settings = settings
    }

    /// The comparison key of a creative: its size and the copy laid out on it.
    public static func key(size: String, variant: Variant, campaign: Campaign) -> String {
        let copy = LayoutStep.Copy(variant: variant, campaign: campaign)
        return [size, copy.headline ?? "", copy.offer ?? "", copy.cta ?? ""].joined(separator: "\u{1F}")
    }

    /// Each entry's final scorecard, and why it is dropped (nil when kept), in the entries' order.
    public func judge(_ entries: [Entry]) -> [(scorecard: Scorecard, dropped: String?)] {
        var cards = entries.map(\.scorecard)
        let groups = scorer.markNearDuplicates(&cards, keys: entries.map(\.key))
        var dropped = [String?](repeating: nil, count: entries.count)
        if settings.dedupe {
            for group in groups {
                let best = entries[group[0]].id
                for member in group.dropFirst() { dropped[member] = "near-duplicate of \(best), which scores higher" }
            }
        }
        if let minimum = settings.minScore {
            for index in entries.indices where dropped[index] == nil && cards[index].total < minimum {
                if settings.belowMinimum == .drop {
                    dropped[index] = String(format: "scores %.2f, below min_score %.2f", cards[index].total, minimum)
                } else {
                    cards[index].tags.append("below-min-score")
                }
            }
        }
        return Array(zip(cards, dropped))
    }
}
