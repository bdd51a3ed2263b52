/// Where the painter puts things, read from the prompt's composition words (rule of thirds, centred, lower third,
/// low angle, overhead flat lay, negative space, silhouette, leading lines, foreground framing…) and the picture's
/// shape. What the words leave open is drawn from the prompt's own generator, so prompts differ.
struct Composition: Equatable {
    /// The product's centre as shares of the width and height, and its size as a share of the shorter side.
    var focusX: Double
    var focusY: Double
    var scale: Double
    /// Where the floor begins, as a share of the height (the camera's height: low angle → low horizon).
    var horizon: Double
    /// Seen from above (flat lay): no horizon, the product turned on the ground.
    var overhead = false
    /// The product dark against a bright light behind it.
    var silhouette = false
    /// Lines converging on the product.
    var leadingLines = false
    /// Dark, blurred shapes in the foreground framing the product.
    var foregroundFrame = false
    /// The product's turn in degrees.
    var tilt = 0.0

    /// Landscape shapes (1344 × 768, 1472 × 704, 2048 × 512…) whose standard layout sets the copy down the left.
    static let wideAspect = 1.4
    /// Very wide shapes (4:1, leaderboards): the product stays small, in the right half.
    static let bannerAspect = 2.5

    init(text: String, words: Set<String>, width: Int, height: Int, baseScale: Double, generator: inout SplitMix64) {
        func random() -> Double { Double(generator.next() >> 11) / Double(UInt64(1) << 53) }
        func has(_ phrases: String...) -> Bool { phrases.contains { text.contains($0) } }
        func hasWord(_ cues: String...) -> Bool { cues.contains(where: words.contains) }
        let aspect = Double(width) / Double(height)
        // Drawn up front, always in this order, so a word never shifts the draws that follow it.
        let sideDraw = random()
        let jitter = (x: random() - 0.5, y: random() - 0.5, scale: random() - 0.5)
        let turn = random() - 0.5

        // Left and right: where the product stands, or where the copy's space is (the product on the other side).
        let spaceLeft = has(
            "space on the left", "space to the left", "room on the left", "copy on the left", "text on the left",
            "headline on the left", "subject on the right", "product on the right", "right third")
        let spaceRight = has(
            "space on the right", "space to the right", "room on the right", "copy on the right", "text on the right",
            "headline on the right", "subject on the left", "product on the left", "left third")
        let centred = hasWord(
            "centred", "centered", "center", "centre", "central", "symmetrical", "symmetric", "symmetry")
        let thirds = has("thirds", "off-centre", "off-center")
        var focusX: Double
        if spaceLeft != spaceRight {
            focusX = spaceLeft ? 0.67 : 0.33
        } else if centred {
            focusX = 0.5
        } else if aspect >= Self.wideAspect {
            focusX = 0.68  // the copy goes down the left
        } else if thirds {
            focusX = sideDraw < 0.5 ? 0.33 : 0.67
        } else {
            focusX = [0.36, 0.5, 0.64][min(2, Int(sideDraw * 3))]
        }
        if aspect >= Self.bannerAspect { focusX = max(focusX, 0.66) }
        focusX += jitter.x * 0.04

        // Up and down: the camera's height sets the horizon; space asked for above or below moves the product.
        var focusY = 0.56 + jitter.y * 0.06
        var horizon = 0.7
        var scale = baseScale
        if has("low-angle", "low angle", "worm's-eye", "worms-eye", "from below", "ground level") {
            horizon = 0.84
            focusY = 0.6
            scale *= 1.12
        } else if has("high-angle", "high angle", "bird's-eye", "birds-eye", "aerial", "from above") {
            horizon = 0.36
            focusY = 0.6
            scale *= 0.85
        }
        if has("lower third", "bottom third", "sky above", "open sky", "at the top", "space above", "room above") {
            focusY = 0.7
            horizon = min(horizon, 0.76)
            scale *= 0.82
        } else if has("lower edge", "bottom edge", "call-to-action", "room below", "space below", "upper third") {
            focusY = 0.4
            horizon = min(horizon, 0.5)
        }
        if has("overhead", "flat lay", "flat-lay", "top-down", "top down", "knolling") {
            overhead = true
            tilt = 18 + turn * 40
        } else if hasWord("diagonal", "dynamic", "tilted", "dutch") {
            tilt = turn < 0 ? -14 : 14
        }

        // Size: close-ups fill the frame, wide shots and negative space leave room.
        if has("close-up", "closeup", "close up", "detail shot", "macro", "tight ") { scale *= 1.32 }
        if has("full-body", "full body", "wide shot", "wide-angle", "wide angle", "panoramic", "distant") {
            scale *= 0.72
        }
        if has("negative space", "negative-space", "generous", "uncluttered", "minimalist composition") { scale *= 0.8 }
        if has("hero") { scale *= 1.12 }
        scale *= 1 + jitter.scale * 0.1
        if aspect >= Self.bannerAspect { scale = min(scale, 0.4) }

        silhouette = hasWord("silhouette", "silhouetted", "backlit", "contre-jour")
        leadingLines = has("leading line", "converging", "vanishing point", "diagonal lines")
        foregroundFrame = has("foreground", "framing", "framed by", "frame the", "through the")

        // Keep the product inside the picture: its box runs from 0.55 of its size above the focus to 0.45 below.
        let unit = Double(min(width, height))
        scale = min(scale, 0.7)
        let half = scale * unit * 0.58 / Double(width)
        self.focusX = min(max(focusX, half), 1 - half)
        let above = scale * unit * 0.6 / Double(height)
        let below = scale * unit * 0.45 / Double(height)
        self.focusY = min(max(focusY, above), 1 - below)
        self.scale = scale
        self.horizon = horizon
    }
}
