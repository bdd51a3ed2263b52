import AdgenImaging
import Foundation

/// `layout`: sets the headline, the call to action and the brand on the image, inside the size's safe zone,
/// arranged for its shape: one row on banners (728×90); elsewhere brand and headline at the top and the
/// button at the bottom, leaving the product in the middle clear. Text is fitted to its box and set on a scrim
/// or panel for contrast.
///
/// The headline is the variant's `headline` axis (else the brief's `headline`); the button's label its `cta`
/// axis (else the brief's `cta`). Layout template files (`templates/layouts/*.yaml`) are not read yet: every
/// `layout` step uses this built-in arrangement.
public struct LayoutStep: PipelineStep {
    public let name = "layout"
    /// The layout template named in the campaign (not read yet).
    public var template: String?

    /// The font used when the brand names none.
    public static let defaultFont = "DejaVu Sans Bold"

    /// Creates the step.
    public init(template: String? = nil) { self.template = template }

    public func apply(to draft: inout CreativeDraft, campaign: Campaign) throws {
        let brief = Dictionary(campaign.brief.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let headline = draft.variant[axis: "headline"] ?? brief["headline"]
        let cta = draft.variant[axis: "cta"] ?? brief["cta"]
        let brand = campaign.brand
        let accent = brand.colors.first.flatMap(RGBA.init(hex:)) ?? RGBA(red: 0xFF, green: 0x5A, blue: 0x1F)
        let dark =
            brand.colors.dropFirst().first.flatMap(RGBA.init(hex:)).flatMap { $0.luminance < 0.2 ? $0 : nil }
            ?? RGBA(red: 0x11, green: 0x14, blue: 0x1A)
        var canvas = Canvas(draft: draft, font: brand.font ?? Self.defaultFont, accent: accent, dark: dark)
        let shape =
            canvas.width * 10 >= canvas.height * 30 ? Shape.banner : canvas.width * 2 <= canvas.height ? .tower : .panel
        try canvas.lay(shape: shape, headline: headline, cta: cta, brandName: brand.name.isEmpty ? nil : brand.name)
        draft.image = canvas.image
        draft.boxes += canvas.boxes
        draft.events += canvas.events
    }

    /// Banners (3:1 and wider) get a row, towers (1:2 and taller) and the rest a top-and-bottom arrangement.
    enum Shape { case banner, tower, panel }
}

/// The layout's working state for one creative.
struct Canvas {
    var image: Image
    let width: Int
    let height: Int
    let font: String
    let accent: RGBA
    let dark: RGBA
    /// The safe area: canvas less the size's safe zone and a margin.
    let left: Int, top: Int, right: Int, bottom: Int
    var boxes: [LayoutBox] = []
    var events: [String] = []

    init(draft: CreativeDraft, font: String, accent: RGBA, dark: RGBA) {
        image = draft.image
        width = draft.image.width
        height = draft.image.height
        self.font = font
        self.accent = accent
        self.dark = dark
        // Margins: 6% of the short side; on banners the sides get more, as text must not touch the edge.
        let margin = max(4, Int(Double(min(width, height)) * 0.06))
        let side = width > 3 * height ? max(margin, min(height / 3, width / 40)) : margin
        let zone = draft.size.safeZone
        left = zone.left + side
        top = zone.top + margin
        right = width - zone.right - side
        bottom = height - zone.bottom - margin
    }

    static let white = RGBA(red: 255, green: 255, blue: 255)

    mutating func lay(shape: LayoutStep.Shape, headline: String?, cta: String?, brandName: String?) throws {
        let safeWidth = right - left
        let safeHeight = bottom - top
        switch shape {
        case .banner:
            // One row: headline, then the button on the right, on a dark panel for contrast.
            try shade(x: 0, y: 0, width: width, height: height, opacity: 0.55)
            let rowHeight = safeHeight
            var buttonWidth = 0
            if let cta {
                // A button of ordinary height, centred in the row, wide enough for its label.
                let buttonHeight = min(rowHeight, 72)
                let labelWidth = Int(Double(cta.count) * 0.6 * Double(buttonHeight) * 0.56) + buttonHeight * 2 / 3
                buttonWidth = min(safeWidth * 40 / 100, max(buttonHeight * 3, labelWidth))
                try button(
                    cta, x: right - buttonWidth, y: top + (rowHeight - buttonHeight) / 2, width: buttonWidth,
                    height: buttonHeight)
            }
            if let headline {
                let gap = buttonWidth > 0 ? max(6, rowHeight / 3) : 0
                try text(
                    headline, role: "headline", x: left, y: top, width: safeWidth - buttonWidth - gap,
                    height: rowHeight, lines: 1,
                    anchor: .middle)
            }
        case .tower, .panel:
            // Brand and headline at the top, the button at the bottom: the product, which the attention crop keeps
            // near the middle, stays clear. Scrims behind both keep white text readable on any picture.
            let tower = shape == .tower
            let brandHeight = brandName == nil ? 0 : max(12, safeHeight / (tower ? 14 : 16))
            let headlineHeight = safeHeight * (tower ? 26 : 22) / 100
            let gap = safeHeight / 40
            try scrim(from: 0, to: top + brandHeight + gap + headlineHeight + safeHeight / 12, fadingDown: true)
            if let brandName {
                try text(
                    brandName, role: "brand", x: left, y: top, width: safeWidth * (tower ? 100 : 45) / 100,
                    height: brandHeight, lines: 1, colour: Self.white)
            }
            if let headline {
                try text(
                    headline, role: "headline", x: left, y: top + brandHeight + gap, width: safeWidth * 92 / 100,
                    height: headlineHeight, lines: tower ? 4 : 3)
            }
            if let cta {
                let buttonHeight = max(20, min(safeHeight / (tower ? 10 : 9), safeWidth / (tower ? 3 : 7)))
                // Wide enough for the label on one line at the button's text size (about 0.6 em per character).
                let labelWidth = Int(Double(cta.count) * 0.6 * Double(buttonHeight) * 0.56) + buttonHeight * 2 / 3
                let buttonWidth =
                    tower ? safeWidth : min(safeWidth, max(buttonHeight * 3, safeWidth * 42 / 100, labelWidth))
                try scrim(from: bottom - buttonHeight * 3, to: height, fadingDown: false)
                try button(cta, x: left, y: bottom - buttonHeight, width: buttonWidth, height: buttonHeight)
            }
        }
    }

    /// Sets `text` fitted to the box, aligned to its bottom-left (top-left for the brand).
    mutating func text(
        _ text: String, role: String, x: Int, y: Int, width: Int, height: Int, lines: Int, colour: RGBA = white,
        anchor: VerticalAnchor = .top
    ) throws {
        guard width > 4, height > 4 else { return }
        let nominal = max(10, height / lines)
        let rendered = try Image.text(
            Self.escaped(text), font: "\(font) \(nominal)", width: width, height: height, dpi: 72)
        if rendered.dpi < 72 * 6 / 10 { events.append("text-shrunk") }
        let ink = try rendered.mask.coloured(colour)
        let placedY =
            switch anchor {
            case .top: y
            case .middle: y + (height - ink.height) / 2
            case .bottom: y + height - ink.height
            }
        image = try image.composited(ink, x: x, y: placedY)
        boxes.append(LayoutBox(role: role, x: x, y: placedY, width: ink.width, height: ink.height, color: colour.hex))
    }

    /// A rounded button in the brand colour with its label centred, in white or near-black, whichever contrasts.
    mutating func button(_ label: String, x: Int, y: Int, width: Int, height: Int) throws {
        let radius = height / 2
        let shape = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)">\
            <rect width="\(width)" height="\(height)" rx="\(radius)" fill="\(accent.hex)"/></svg>
            """)
        image = try image.composited(shape, x: x, y: y)
        let ink = accent.contrast(with: Self.white) >= accent.contrast(with: dark) ? Self.white : dark
        let padding = max(4, height / 3)
        let rendered = try Image.text(
            Self.escaped(label), font: "\(font) \(height / 2)", width: width - 2 * padding, height: height * 56 / 100,
            alignment: .centre, dpi: 72)
        let text = try rendered.mask.coloured(ink)
        image = try image.composited(text, x: x + (width - text.width) / 2, y: y + (height - text.height) / 2)
        boxes.append(LayoutBox(role: "cta", x: x, y: y, width: width, height: height, color: ink.hex))
    }

    /// A dark gradient over rows `start ..< end`, darkest at the canvas edge it touches (the top when
    /// `fadingDown`), so light text reads on any picture.
    mutating func scrim(from start: Int, to end: Int, fadingDown: Bool) throws {
        let start = max(0, start)
        let scrimHeight = min(height, end) - start
        guard scrimHeight > 0 else { return }
        let (first, last) = fadingDown ? ("0.8", "0") : ("0", "0.8")
        let shade = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(scrimHeight)"><defs>\
            <linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="\(dark.hex)" stop-opacity="\(first)"/>\
            <stop offset="1" stop-color="\(dark.hex)" stop-opacity="\(last)"/>\
            </linearGradient></defs><rect width="\(width)" height="\(scrimHeight)" fill="url(#s)"/></svg>
            """)
        image = try image.composited(shade, x: 0, y: start)
    }

    /// An even dark wash over a region.
    mutating func shade(x: Int, y: Int, width: Int, height: Int, opacity: Double) throws {
        let wash = try Image.solid(
            width: width, height: height,
            color: RGBA(red: dark.red, green: dark.green, blue: dark.blue, alpha: UInt8(opacity * 255)))
        image = try image.composited(wash, x: x, y: y)
    }

    /// Where text sits in its box when it is smaller than the box.
    enum VerticalAnchor { case top, middle, bottom }

    /// Text safe inside Pango markup.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension RGBA {
    /// Relative luminance (WCAG 2.x).
    var luminance: Double {
        func channel(_ value: UInt8) -> Double {
            let c = Double(value) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    }

    /// WCAG contrast ratio with another colour, 1…21.
    func contrast(with other: RGBA) -> Double {
        let (a, b) = (luminance, other.luminance)
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }
}
