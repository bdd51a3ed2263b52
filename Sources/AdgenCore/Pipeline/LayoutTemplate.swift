/// A layout template (`templates/layouts/*.yaml`): where the headline, offer, call to action, logo, brand name
/// and decoration go, in units relative to each size's safe area, with one arrangement per range of aspect
/// ratios (a row for leaderboards, a stack for skyscrapers, …). The format is documented in
/// `docs/layouts.md`; `standard` is built in.
public struct LayoutTemplate: Sendable, Hashable {
    /// The template's name (`layout:` in the file).
    public var name: String
    /// The file it was read from (`<built-in>/NAME.yaml` for built-in ones).
    public var file: String
    /// A font for all its text, overriding the brand's.
    public var font: String?
    /// The arrangements, tried in order; the first whose aspect range holds the size's aspect is used, and the
    /// last has no range, so every size has one. Several arrangements for the same shapes are the template's
    /// allowed positions: when the picture's subject collides with the first, the layout tries the next.
    public var arrangements: [Arrangement]

    /// The arrangement for a canvas of `width` × `height`.
    public func arrangement(width: Int, height: Int) -> Arrangement {
        candidates(width: width, height: height)[0]
    }

    /// The arrangements that fit a canvas of `width` × `height`, in the template's order: those whose aspect range
    /// holds its aspect (before the first without a range), else the first without a range.
    public func candidates(width: Int, height: Int) -> [Arrangement] {
        let aspect = Double(width) / Double(max(1, height))
        let open = arrangements.firstIndex { $0.aspect == nil } ?? arrangements.count - 1
        let fitting = arrangements[..<open].filter { $0.aspect?.contains(aspect) ?? false }
        return fitting.isEmpty ? [arrangements[open]] : fitting
    }

    /// The layout a pipeline without one gets for a product in composite mode: the product alone, standing at
    /// the bottom of the middle of the safe area.
    public static let productOnly = LayoutTemplate(
        name: "product", file: "<built-in>/product.yaml", font: nil,
        arrangements: [
            Arrangement(
                name: "product", aspect: nil,
                elements: [
                    Element(
                        kind: .product, box: Box(x: 0.1, y: 0.1, width: 0.8, height: 0.85), align: .centre,
                        valign: .bottom)
                ])
        ])

    /// One arrangement: elements drawn in order (later ones on top).
    public struct Arrangement: Sendable, Hashable {
        /// Its name, for messages and tags.
        public var name: String
        /// The aspect ratios (width / height) it is for; nil for any.
        public var aspect: ClosedRange<Double>?
        /// The margin kept inside the safe zone, as a share of the canvas' short side.
        public var margin: Double = 0.06
        /// The elements.
        public var elements: [Element]
    }

    /// One thing drawn by a layout.
    public struct Element: Sendable, Hashable {
        /// What it is.
        public var kind: Kind
        /// Where it goes: x, y, width, height as shares (0…1) of the safe area (canvas less the size's safe zone,
        /// the margin and any bars).
        public var box: Box = .init(x: 0, y: 0, width: 1, height: 1)
        /// Horizontal alignment of its content in the box.
        public var align: Alignment = .left
        /// Vertical alignment of its content in the box.
        public var valign: VerticalAlignment = .top
        /// Text: the number of lines the box is designed for; its nominal font size is the box height / lines.
        public var lines: Int = 1
        /// Text: the smallest size text may shrink to, as a share of the nominal size (then it is truncated with
        /// an ellipsis).
        public var minScale: Double = 0.55
        /// Text and bars: the colour; for a `cta`, its label's (default: white or dark, whichever contrasts).
        public var color: ColorReference?
        /// A `cta`'s fill (default: accent).
        public var fill: ColorReference?
        /// `shade`, `scrim`, `bar`: opacity 0…1.
        public var opacity: Double = 0.8
        /// `scrim`, `bar`: the canvas edge it sits on.
        public var edge: Edge = .top
        /// `scrim`: how far it reaches from its canvas edge into the safe area, as a share of the safe area's
        /// height.
        public var extent: Double = 0.4
        /// Text: a soft shadow in the opposite tone behind the glyphs.
        public var shadow: Bool = true
        /// `bar`: its thickness as a share of the canvas' short side.
        public var thickness: Double = 0.02
        /// `cta`: corner radius as a share of the button height (0.5: a pill).
        public var radius: Double = 0.5
        /// `cta`: `true` makes the button as wide as its box; otherwise it is sized to its label.
        public var fullWidth: Bool = false
        /// `product`: the share of its box the product may fill at most (its proportions kept).
        public var scale: Double = 1
        /// `product`: other boxes it may take instead; the layout takes the one where the product comes out largest
        /// with no copy on it (a tall bottle fits a tall box, a shoe a wide one).
        public var alternatives: [Box] = []
        /// `logo`: draw the brand name in the box when the brand has no logo file (left out when it does not fit
        /// at its floor size: a brand name is never cut).
        public var fallbackToName: Bool = true
        /// Text: move up to sit just under the text element before it when that one ended higher than this box
        /// starts (a short headline does not leave a gap above the offer).
        public var flow: Bool = false
    }

    /// The kinds of element.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The variant's `headline` axis, else the brief's `headline`.
        case headline
        /// The variant's `offer` (or `subheadline`) axis, else the brief's.
        case offer
        /// The call-to-action button: the `cta` axis, else the brief's `cta`.
        case cta
        /// The brand's logo file, fitted to the box without stretching.
        case logo
        /// The brand's name as text.
        case brand
        /// A bar in a brand colour across the canvas, on its top or bottom edge.
        case bar
        /// A dark gradient from a canvas edge, so light text reads on any picture.
        case scrim
        /// Where the campaign's product cutout goes (`product.mode: composite`), fitted to the box with its
        /// proportions kept and a contact shadow under it.
        case product
        /// An even dark wash over the whole canvas.
        case shade
    }

    /// A box in shares of the safe area.
    public struct Box: Sendable, Hashable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
    }

    /// Horizontal alignment.
    public enum Alignment: String, Sendable, Hashable, CaseIterable { case left, centre, right }

    /// Vertical alignment.
    public enum VerticalAlignment: String, Sendable, Hashable, CaseIterable { case top, middle, bottom }

    /// A canvas edge.
    public enum Edge: String, Sendable, Hashable, CaseIterable { case top, bottom }

    /// A colour: one of the brand's roles, white, or a literal `#RRGGBB`.
    public enum ColorReference: Sendable, Hashable {
        /// The brand's first colour.
        case accent
        /// The brand's darkest colour when it is dark enough, else near-black.
        case dark
        /// The brand's lightest colour when it is light enough, else white.
        case light
        /// White.
        case white
        /// A literal colour.
        case hex(String)
    }
}
