import AdgenImaging

/// The colours of a painted scene, chosen from the prompt's colour and mood words and the brand colours.
struct Palette {
    /// Background, top and bottom of its gradient.
    var backgroundTop: HSL
    var backgroundBottom: HSL
    /// The product's main colour (the brand's primary colour when given).
    var accent: HSL
    /// A second colour for shapes and details.
    var secondary: HSL
    /// Light catching the product.
    var highlight: HSL
    /// Dark for shadows.
    var shadow: HSL

    /// Named colours a prompt may use, matched as words.
    static let named: [String: HSL] = [
        "red": HSL(hue: 0, saturation: 0.75, lightness: 0.5),
        "crimson": HSL(hue: 348, saturation: 0.83, lightness: 0.47),
        "orange": HSL(hue: 24, saturation: 0.95, lightness: 0.55),
        "ember": HSL(hue: 18, saturation: 0.9, lightness: 0.5),
        "amber": HSL(hue: 40, saturation: 0.95, lightness: 0.5),
        "yellow": HSL(hue: 52, saturation: 0.95, lightness: 0.55),
        "gold": HSL(hue: 45, saturation: 0.75, lightness: 0.5),
        "golden": HSL(hue: 43, saturation: 0.8, lightness: 0.55),
        "lime": HSL(hue: 90, saturation: 0.7, lightness: 0.5), "green": HSL(hue: 130, saturation: 0.5, lightness: 0.4),
        "olive": HSL(hue: 70, saturation: 0.4, lightness: 0.35),
        "sage": HSL(hue: 100, saturation: 0.18, lightness: 0.6),
        "forest": HSL(hue: 140, saturation: 0.45, lightness: 0.25),
        "mint": HSL(hue: 150, saturation: 0.5, lightness: 0.75),
        "teal": HSL(hue: 180, saturation: 0.65, lightness: 0.35),
        "turquoise": HSL(hue: 174, saturation: 0.7, lightness: 0.5),
        "cyan": HSL(hue: 190, saturation: 0.8, lightness: 0.5), "blue": HSL(hue: 215, saturation: 0.75, lightness: 0.5),
        "sky": HSL(hue: 200, saturation: 0.7, lightness: 0.7), "navy": HSL(hue: 222, saturation: 0.65, lightness: 0.22),
        "cobalt": HSL(hue: 220, saturation: 0.85, lightness: 0.42),
        "indigo": HSL(hue: 250, saturation: 0.55, lightness: 0.35),
        "violet": HSL(hue: 270, saturation: 0.6, lightness: 0.55),
        "purple": HSL(hue: 285, saturation: 0.55, lightness: 0.42),
        "lavender": HSL(hue: 265, saturation: 0.5, lightness: 0.8),
        "magenta": HSL(hue: 310, saturation: 0.8, lightness: 0.5),
        "pink": HSL(hue: 340, saturation: 0.75, lightness: 0.75),
        "blush": HSL(hue: 350, saturation: 0.55, lightness: 0.82),
        "rose": HSL(hue: 345, saturation: 0.6, lightness: 0.65),
        "coral": HSL(hue: 12, saturation: 0.85, lightness: 0.65),
        "peach": HSL(hue: 25, saturation: 0.9, lightness: 0.8),
        "terracotta": HSL(hue: 15, saturation: 0.55, lightness: 0.48),
        "rust": HSL(hue: 18, saturation: 0.7, lightness: 0.38), "brown": HSL(hue: 25, saturation: 0.45, lightness: 0.3),
        "chocolate": HSL(hue: 22, saturation: 0.5, lightness: 0.22),
        "coffee": HSL(hue: 28, saturation: 0.45, lightness: 0.28),
        "caramel": HSL(hue: 32, saturation: 0.65, lightness: 0.5),
        "cream": HSL(hue: 42, saturation: 0.6, lightness: 0.9),
        "beige": HSL(hue: 38, saturation: 0.35, lightness: 0.8), "sand": HSL(hue: 38, saturation: 0.4, lightness: 0.72),
        "ivory": HSL(hue: 50, saturation: 0.6, lightness: 0.94), "white": HSL(hue: 0, saturation: 0, lightness: 0.96),
        "grey": HSL(hue: 0, saturation: 0, lightness: 0.55), "gray": HSL(hue: 0, saturation: 0, lightness: 0.55),
        "silver": HSL(hue: 210, saturation: 0.08, lightness: 0.75),
        "charcoal": HSL(hue: 210, saturation: 0.1, lightness: 0.2),
        "black": HSL(hue: 0, saturation: 0, lightness: 0.07), "slate": HSL(hue: 215, saturation: 0.2, lightness: 0.35),
    ]

    init(words: Set<String>, text: String, brand: [String], generator: inout SplitMix64) {
        func random() -> Double { Double(generator.next() >> 11) / Double(UInt64(1) << 53) }
        // Named colours in the order the prompt gives them.
        var named = [HSL]()
        for word in text.split(whereSeparator: { !$0.isLetter }).map(String.init) {
            if let colour = Self.named[word], !named.contains(colour) { named.append(colour) }
        }
        let brandColours = brand.compactMap(HSL.init(hex:))
        let warm = words.contains("warm") || words.contains("sunset") || words.contains("golden")
        let cool = words.contains("cool") || words.contains("icy") || words.contains("winter")
        let pastel = words.contains("pastel") || words.contains("soft") || words.contains("airy")
        let vibrant = !words.isDisjoint(with: ["vibrant", "bold", "neon", "saturated", "vivid", "pop"])
        let dark = !words.isDisjoint(with: ["dark", "moody", "night", "noir", "dramatic", "luxury"])

        // A base hue: the first named colour, else a temperature, else the prompt's own (so prompts differ).
        var hue = named.first?.hue ?? random() * 360
        if warm { hue = 10 + random() * 40 } else if cool { hue = 185 + random() * 50 }
        let saturation = vibrant ? 0.85 : pastel ? 0.35 : 0.55
        var top = HSL(hue: hue, saturation: saturation * 0.6, lightness: dark ? 0.16 : pastel ? 0.88 : 0.72)
        var bottom = HSL(
            hue: hue + (random() - 0.5) * 50, saturation: saturation * 0.8,
            lightness: dark ? 0.07 : pastel ? 0.76 : 0.46)
        if named.count > 1, !dark {
            top = named[1].with(lightness: max(named[1].lightness, pastel ? 0.85 : 0.7))
            bottom = named[1].with(lightness: pastel ? 0.75 : 0.45)
        }
        // The product stands out: brand primary, else a named colour, else the complement of the background.
        var accent = brandColours.first ?? named.first ?? HSL(hue: hue + 180, saturation: 0.8, lightness: 0.5)
        if accent.hueDistance(to: top) < 40 && accent.saturation > 0.3 {
            // Same hue as the background: keep the mood but quiet the background so the product reads.
            top = top.with(saturation: top.saturation * 0.35)
            bottom = HSL(hue: bottom.hue + 25, saturation: bottom.saturation * 0.4, lightness: bottom.lightness * 0.85)
        }
        backgroundTop = top
        backgroundBottom = bottom
        if abs(accent.lightness - (top.lightness + bottom.lightness) / 2) < 0.18 {
            accent = accent.with(lightness: dark ? 0.62 : 0.38)
        }
        if vibrant { accent = accent.with(saturation: min(1, accent.saturation + 0.2)) }
        if pastel { accent = accent.with(saturation: accent.saturation * 0.7) }
        self.accent = accent
        secondary =
            brandColours.dropFirst().first ?? named.dropFirst().first
            ?? HSL(hue: hue + 30, saturation: saturation, lightness: 0.6)
        highlight = HSL(hue: warm ? 45 : cool ? 200 : hue, saturation: 0.6, lightness: 0.93)
        shadow = HSL(hue: hue, saturation: 0.3, lightness: 0.08)
    }
}

/// A colour as hue (degrees), saturation and lightness (0…1).
struct HSL: Hashable {
    var hue: Double
    var saturation: Double
    var lightness: Double

    init(hue: Double, saturation: Double, lightness: Double) {
        self.hue = (hue.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360)
        self.saturation = min(1, max(0, saturation))
        self.lightness = min(1, max(0, lightness))
    }

    /// From `#RRGGBB`.
    init?(hex: String) {
        guard let rgba = RGBA(hex: hex) else { return nil }
        let r = Double(rgba.red) / 255
        let g = Double(rgba.green) / 255
        let b = Double(rgba.blue) / 255
        let high = max(r, g, b)
        let low = min(r, g, b)
        let lightness = (high + low) / 2
        let delta = high - low
        guard delta > 0 else {
            self.init(hue: 0, saturation: 0, lightness: lightness)
            return
        }
        let saturation = delta / (1 - abs(2 * lightness - 1))
        var hue: Double
        if high == r {
            hue = 60 * ((g - b) / delta).truncatingRemainder(dividingBy: 6)
        } else if high == g {
            hue = 60 * ((b - r) / delta + 2)
        } else {
            hue = 60 * ((r - g) / delta + 4)
        }
        self.init(hue: hue, saturation: saturation, lightness: lightness)
    }

    func with(saturation: Double? = nil, lightness: Double? = nil) -> HSL {
        HSL(hue: hue, saturation: saturation ?? self.saturation, lightness: lightness ?? self.lightness)
    }

    /// The angle between two hues, 0…180 degrees.
    func hueDistance(to other: HSL) -> Double {
        let difference = abs(hue - other.hue).truncatingRemainder(dividingBy: 360)
        return min(difference, 360 - difference)
    }

    /// Lighter (positive) or darker (negative) by `amount` of lightness.
    func shifted(_ amount: Double) -> HSL { with(lightness: lightness + amount) }

    /// `#RRGGBB`.
    var hex: String {
        let chroma = (1 - abs(2 * lightness - 1)) * saturation
        let x = chroma * (1 - abs((hue / 60).truncatingRemainder(dividingBy: 2) - 1))
        let m = lightness - chroma / 2
        let (r, g, b): (Double, Double, Double) =
            switch hue {
            case ..<60: (chroma, x, 0)
            case ..<120: (x, chroma, 0)
            case ..<180: (0, chroma, x)
            case ..<240: (0, x, chroma)
            case ..<300: (x, 0, chroma)
            default: (chroma, 0, x)
            }
        let digits = Array("0123456789ABCDEF")
        return "#"
            + [r, g, b].map { channel in
                let value = Int(((channel + m) * 255).rounded())
                let clamped = min(255, max(0, value))
                return String([digits[clamped >> 4], digits[clamped & 15]])
            }.joined()
    }
}
