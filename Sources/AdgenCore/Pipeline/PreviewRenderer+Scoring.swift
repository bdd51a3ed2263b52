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
        let judgement = Judgement(scorer: scorer(for: campaign), settings: campaign.scoring)
        let verdicts = judgement.judge(
            scored.map { index in
                Judgement.Entry(
                    id: outputs[index].creativeID,
                    key: Judgement.key(
                        size: outputs[index].size.id, variant: outputs[index].variant, campaign: campaign),
                    scorecard: outputs[index].scorecard!)
            })
        for (index, verdict) in zip(scored, verdicts) {
            outputs[index].scorecard = verdict.scorecard
            outputs[index].dropped = verdict.dropped
        }
        for output in outputs where output.dropped != nil {
            if let path = output.path { try? FileManager.default.removeItem(atPath: path) }
        }
        for index in outputs.indices where outputs[index].dropped != nil { outputs[index].path = nil }
        try writeScores(outputs)
    }

    /// `OUT/scores.jsonl`: one line per creative with its scores, checks, hash, tags and layout boxes.
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
            var boxes: [String: [Int]]?
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
                scores: card?.scores, checks: card?.checks, tags: card?.tags, boxes: output.boxes)
            data.append(try encoder.encode(line))
            data.append(UInt8(ascii: "\n"))
        }
        let path = "\(configuration.output)/scores.jsonl"
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw PipelineError("cannot write \(path); check the output folder's permissions")
        }
    }
}
