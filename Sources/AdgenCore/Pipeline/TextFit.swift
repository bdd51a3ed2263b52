import AdgenImaging

/// Text to be fitted to a layout box: everything that decides how it is set, so equal requests give equal
/// settings (and a `LayoutStep.Cache` keeps them by it).
///
/// The text is set at its nominal size (the box height over `lines`) when it fits, else at the largest size that
/// does down to `minScale` of nominal, else at that floor, cut at a word (or character) with an ellipsis — or left
/// out when `mayTruncate` is false. The setting records `text-shrunk` and `text-truncated`.
struct TextFit: Hashable, Sendable {
    var text: String
    var font: String
    var width: Int
    var height: Int
    var lines: Int
    var minScale: Double
    var alignment: LayoutTemplate.Alignment
    var mayTruncate: Bool
    /// Whether a blurred copy of the mask, for a soft shadow, is made too.
    var shadow: Bool

    /// Set text: its coverage mask, its size, and its shadow's mask.
    struct Setting: Sendable {
        /// One band, 0 where there is no ink; nil when the text was left out.
        var mask: Image?
        /// The font size in pixels.
        var size: Int
        /// `text-shrunk`, `text-truncated`.
        var events: [String]
        /// The mask blurred, with `2 × shadowSpread(size:)` pixels of room on every side.
        var shadow: Image?

        /// The pixels it holds, for a cache's budget.
        var bytes: Int {
            [mask, shadow].compactMap { $0 }.reduce(0) { $0 + $1.width * $1.height * $1.bands }
        }
    }

    /// How far a text's shadow spreads, in pixels, for a font size.
    static func shadowSpread(size: Int) -> Int { max(2, size / 8) }

    /// Sets the text.
    func set() throws -> Setting {
        var events = [String]()
        guard let (mask, size) = try fit(events: &events) else {
            return Setting(mask: nil, size: 0, events: events, shadow: nil)
        }
        var shadow: Image?
        if self.shadow {
            let spread = Self.shadowSpread(size: size)
            shadow = try mask.padded(by: 2 * spread).blurred(sigma: Double(spread) / 1.5).materialized()
        }
        return Setting(mask: mask, size: size, events: events, shadow: shadow)
    }

    private func fit(events: inout [String]) throws -> (mask: Image, size: Int)? {
        func note(_ event: String) {
            if !events.contains(event) { events.append(event) }
        }
        let textAlignment: TextAlignment =
            switch alignment {
            case .left: .leading
            case .centre: .centre
            case .right: .trailing
            }
        // Pango's size is the em; a line is about 1.2 em. A box designed for several lines but too short for them
        // at a legible size is set as one line at that size instead (11 px: the scorer's floor).
        let legible = min(11, Double(height) / 1.2)
        let nominal = max(6, Int(max(Double(height) / (Double(lines) * 1.2), legible)))
        let description = "\(font) \(nominal)"
        func render(_ words: String, dpi: Int, autofit: Bool = false) throws -> RenderedText {
            try Image.text(
                Self.escaped(words), font: description, width: width, height: autofit ? height : nil,
                alignment: textAlignment, dpi: dpi)
        }
        func fits(_ mask: Image) -> Bool { mask.width <= width && mask.height <= height }
        func sized(_ mask: Image, dpi: Int) -> (Image, Int) { (mask, nominal * dpi / 72) }

        let natural = try render(text, dpi: 72)
        if fits(natural.mask) { return sized(natural.mask, dpi: 72) }
        let floorDPI = max(1, Int((72 * max(minScale, 6.0 / Double(nominal))).rounded(.up)))
        let fitted = try render(text, dpi: 72, autofit: true)
        if fitted.dpi >= floorDPI, fitted.dpi <= 72, fits(fitted.mask) {
            if fitted.dpi < 72 * 85 / 100 { note("text-shrunk") }
            return sized(fitted.mask, dpi: fitted.dpi)
        }
        // At the floor size it still does not fit: keep the longest prefix that does, with an ellipsis.
        guard mayTruncate else { return nil }
        note("text-shrunk")
        note("text-truncated")
        let characters = Array(text)
        var low = 0
        var high = characters.count - 1
        var best = try render("…", dpi: floorDPI).mask
        while low <= high {
            let middle = (low + high + 1) / 2
            let candidate = try render(Self.truncated(characters, to: middle), dpi: floorDPI).mask
            if fits(candidate) {
                best = candidate
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        if !fits(best) {
            // Not even an ellipsis fits at the floor: crop to the box rather than spill out of it.
            best = try best.cropped(x: 0, y: 0, width: min(best.width, width), height: min(best.height, height))
        }
        return sized(best, dpi: floorDPI)
    }

    /// The first `count` characters, cut back to the last word boundary when there is one, and an ellipsis.
    static func truncated(_ characters: [Character], to count: Int) -> String {
        var prefix = characters.prefix(count)
        if count < characters.count, !characters[count].isWhitespace,
            let space = prefix.lastIndex(where: \.isWhitespace),
            space > 0
        {
            prefix = prefix[..<space]
        }
        while let last = prefix.last, last.isWhitespace || ",;:-–".contains(last) { prefix = prefix.dropLast() }
        return String(prefix) + "…"
    }

    /// Text safe inside Pango markup.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
