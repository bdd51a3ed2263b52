import Foundation

extension PreviewRenderer {
    /// The scorer with the campaign's weights.
    func scorer(for campaign: Campaign) -> Scorer {
        Scorer(configuration: .init(weights: campaign.scoring.weights))
    }

    /// Tags from outside the pixels: axis values, text-fit events, provider, model, seed.
    static func tags(of variant: Variant, events: [String], campaign: Campaign) -> [String] {
        variant.axes.map { "\($0.name):\($0.value)" } + events
            + [
                "provider:\(campaign.generation.provider)", "model:\(campaign.generation.model)",
                "seed:\(variant.seed)",
            ]
    }

    /// The batch pass: novelty across creatives of each size, then `scoring.min_score` (flag or drop) and
    /// `scoring.dedupe` (keep the best of each near-duplicate group). Dropped creatives' files are removed.
    /// Writes every scorecard to `OUT/scores.jsonl`.
    func judge(_ outputs: inout [Output], campaign: Campaign) throws {
        let scored = outputs.indices.filter { outputs[$0].scorecard != nil }
        var cards = scored.map { outputs[$0].scorecard! }
        // Compared within a size and the same copy: headline variants share a picture on purpose.
        let keys = scored.map { index in
            let copy = LayoutStep.Copy(variant: outputs[index].variant, campaign: campaign)
            return [outputs[index].size.id, copy.headline ?? "", copy.offer ?? "", copy.cta ?? ""].joined(
                separator: "\u{1F}")
        }
        let groups = scorer(for: campaign).markNearDuplicates(&cards, keys: keys)
        for (card, index) in zip(cards, scored) { outputs[index].scorecard = card }
        let settings = campaign.scoring
        if settings.dedupe {
            for group in groups {
                let best = outputs[scored[group[0]]].creativeID
                for member in group.dropFirst() {
                    outputs[scored[member]].dropped = "near-duplicate of \(best), which scores higher"
                }
            }
        }
        if let minimum = settings.minScore {
            for index in scored where outputs[index].dropped == nil {
                guard let total = outputs[index].scorecard?.total, total < minimum else { continue }
                if settings.belowMinimum == "drop" {
                    outputs[index].dropped = String(format: "scores %.2f, below min_score %.2f", total, minimum)
                } else {
                    outputs[index].scorecard?.tags.append("below-min-score")
                }
            }
        }
        for output in outputs where output.dropped != nil {
            if let path = output.path { try? FileManager.default.removeItem(atPath: path) }
        }
        for index in outputs.indices where outputs[index].dropped != nil { outputs[index].path = nil }
        try writeScores(outputs)
    }

    /// `OUT/scores.jsonl`: one line per creative with its scores, checks, hash and tags.
    func writeScores(_ outputs: [Output]) throws {
        struct Line: Encodable {
            var creativeId: String
            var variantId: String
            var size: String
            var file: String?
            var failure: String?
            var dropped: String?
            var total: Double?
            var phash: String?
            var scores: [String: Double]?
            var checks: [Scorecard.Check]?
            var tags: [String]?
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        let prefix = configuration.output.hasSuffix("/") ? configuration.output : configuration.output + "/"
        for output in outputs {
            let card = output.scorecard
            let line = Line(
                creativeId: output.creativeID, variantId: output.variantID, size: output.size.id,
                file: output.path.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 },
                failure: output.failure, dropped: output.dropped, total: card?.total, phash: card?.phash.description,
                scores: card?.scores, checks: card?.checks, tags: card?.tags)
            data.append(try encoder.encode(line))
            data.append(UInt8(ascii: "\n"))
        }
        let path = "\(configuration.output)/scores.jsonl"
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw PipelineError("cannot write \(path); check the output folder's permissions")
        }
    }
}
