/// "Did you mean …" suggestions for misspelled keys and names.
enum Suggestion {
    /// The candidate closest to `word` by edit distance, when it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        let allowed = max(1, min(3, max(word.count, candidate.count) / 3))
        return distance <= allowed ? candidate : nil
    }

    /// `; did you mean 'x'?` or a list of the valid names when nothing is close.
    static func hint(for word: String, in candidates: [String], noun: String = "key") -> String {
        if let match = closest(to: word, in: candidates) { return "did you mean '\(match)'?" }
        let shown = candidates.prefix(12).map { "'\($0)'" }.joined(separator: ", ")
        return candidates.isEmpty ? "no \(noun) is defined here" : "known: \(shown)"
    }

    /// Levenshtein distance, with transpositions counted once (a common typo).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if a.count > 64 || b.count > 64 { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
