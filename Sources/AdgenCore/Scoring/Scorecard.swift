/// What the scorer found on one creative: each check's value, threshold, verdict and reason, the weighted
/// total, the perceptual hash and the tags.
public struct Scorecard: Sendable, Codable {
    /// One check.
    public struct Check: Sendable, Codable, Equatable {
        /// `spec`, `legibility`, `safe_zone`, `text_coverage`, `sharpness`, `colourfulness`, `brand_fit`,
        /// `novelty`.
        public var name: String
        /// What was measured (nil when the check was skipped).
        public var value: Double?
        /// The value it is judged against.
        public var threshold: Double?
        /// Whether it passed (nil when skipped).
        public var passed: Bool?
        /// Its score, 0…1 (nil when skipped).
        public var score: Double?
        /// One line saying why.
        public var reason: String

        /// A check that could not run, and why.
        static func skipped(_ name: String, _ reason: String) -> Check {
            Check(name: name, value: nil, threshold: nil, passed: nil, score: nil, reason: reason)
        }
    }

    /// The checks, in a fixed order.
    public var checks: [Check]
    /// The weighted mean of the scores of the checks that ran, 0…1; 0 when `spec` failed.
    public var total: Double
    /// The perceptual hash (imagehash's `phash`).
    public var phash: PerceptualHash
    /// The main colours, largest first.
    public var dominantColors: [DominantColor]
    /// Tags: size, platform, aspect, orientation, format, axis values, colour names, brightness, text-fit
    /// events, provider, model, seed.
    public var tags: [String]

    /// The check named `name`.
    public subscript(check name: String) -> Check? { checks.first { $0.name == name } }

    /// Scores by check name, for the checks that ran.
    public var scores: [String: Double] {
        Dictionary(uniqueKeysWithValues: checks.compactMap { check in check.score.map { (check.name, $0) } })
    }

    /// Recomputes `total` from the checks with `weights` (by check name; a check without a weight counts 0).
    mutating func updateTotal(weights: [String: Double]) {
        if self[check: "spec"]?.passed == false {
            total = 0
            return
        }
        var sum = 0.0
        var weightSum = 0.0
        for check in checks {
            guard let score = check.score, let weight = weights[check.name], weight > 0 else { continue }
            sum += weight * score
            weightSum += weight
        }
        total = weightSum > 0 ? sum / weightSum : 0
    }
}
