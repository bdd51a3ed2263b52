import AdgenImaging
import Foundation

/// A layout's working state for one creative: where things go, and what was placed where. It draws into a
/// `Drawing` of the picture: every element is blended straight into the picture's pixels.
struct LayoutCanvas {
    let width: Int
    let height: Int
    let safeZone: SafeZone
    let font: String
    let palette: Palette
    let logo: Image?
    /// Fitted text, shared by the creatives of one pipeline; nil sets every text afresh.
    let cache: LayoutStep.Cache?
    /// Every box drawn, for scoring.
    var boxes: [LayoutBox] = []
    /// Text-fit events (`text-shrunk`, `text-truncated`).
    var events: [String] = []

    init(
        width: Int, height: Int, safeZone: SafeZone, font: String, palette: Palette, logo: Image?,
        cache: LayoutStep.Cache? = nil
    ) {
        self.width = width
        self.height = height
        self.safeZone = safeZone
        self.font = font
        self.palette = palette
        self.logo = logo
        self.cache = cache
    }

    /// The brand's colours in the roles a layout uses.
    struct Palette {
        var accent: RGBA
        var dark: RGBA
        var light: RGBA

        static let white = RGBA(red: 255, green: 255, blue: 255)

        init(brandColors: [String]) {
            let colors = brandColors.compactMap(RGBA.init(hex:))
            accent = colors.first ?? RGBA(red: 0xFF, green: 0x5A, blue: 0x1F)
            dark =
                colors.min { $0.luminance < $1.luminance }.flatMap { $0.luminance < 0.05 ? $0 : nil }
                ?? RGBA(red: 0x11, green: 0x14, blue: 0x1A)
            light = colors.max { $0.luminance < $1.luminance }.flatMap { $0.luminance > 0.8 ? $0 : nil } ?? Self.white
        }

        func resolve(_ reference: LayoutTemplate.ColorReference) -> RGBA {
            switch reference {
            case .accent: accent
            case .dark: dark
            case .light: light
            case .white: Self.white
            case .hex(let hex): RGBA(hex: hex) ?? Self.white
            }
        }
    }

    /// A rectangle in canvas pixels.
    struct Rect {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
    }

    // MARK: Geometry

    /// The safe area: the canvas less the safe zone (or the bars on its edges, where they are thicker), and the
    /// margin.
    func safeArea(for arrangement: LayoutTemplate.Arrangement) -> Rect {
        // Bars sit on the canvas edge; where they reach past the safe zone, the safe area gives way.
        var barsTop = 0
        var barsBottom = 0
        for element in arrangement.elements where element.kind == .bar {
            if element.edge == .top { barsTop += barThickness(element) } else { barsBottom += barThickness(element) }
        }
        let top = max(safeZone.top, barsTop)
        let bottom = height - max(safeZone.bottom, barsBottom)
        let margin = max(3, Int((Double(min(width, height)) * arrangement.margin).rounded()))
        return Rect(
            x: safeZone.left + margin, y: top + margin,
            width: max(1, width - safeZone.left - safeZone.right - 2 * margin),
            height: max(1, bottom - top - 2 * margin))
    }

    func barThickness(_ element: LayoutTemplate.Element) -> Int {
        max(2, Int((Double(min(width, height)) * element.thickness).rounded()))
    }

    /// A template box in canvas pixels.
    func place(_ box: LayoutTemplate.Box, in area: Rect) -> Rect {
        let x = area.x + Int((box.x * Double(area.width)).rounded())
        let y = area.y + Int((box.y * Double(area.height)).rounded())
        let right = area.x + Int(((box.x + box.width) * Double(area.width)).rounded())
        let bottom = area.y + Int(((box.y + box.height) * Double(area.height)).rounded())
        return Rect(x: x, y: y, width: max(1, right - x), height: max(1, bottom - y))
    }

    /// Where content of `width` × `height` goes in `box` under the element's alignment.
    static func align(width: Int, height: Int, in box: Rect, _ element: LayoutTemplate.Element) -> (x: Int, y: Int) {
        let x =
            switch element.align {
            case .left: box.x
            case .centre: box.x + (box.width - width) / 2
            case .right: box.x + box.width - width
            }
        let y =
            switch element.valign {
            case .top: box.y
            case .middle: box.y + (box.height - height) / 2
            case .bottom: box.y + box.height - height
            }
        return (x, y)
    }

    // MARK: Drawing

    mutating func draw(_ arrangement: LayoutTemplate.Arrangement, copy: LayoutStep.Copy, on drawing: inout Drawing)
        throws
    {
        let area = safeArea(for: arrangement)
        var barOffset = (top: 0, bottom: height)
        for element in arrangement.elements {
            switch element.kind {
            case .shade:
                shade(element, on: &drawing)
            case .scrim:
                scrim(element, area: area, on: &drawing)
            case .bar:
                let thickness = barThickness(element)
                let y: Int
                if element.edge == .top {
                    y = barOffset.top
                    barOffset.top += thickness
                } else {
                    barOffset.bottom -= thickness
                    y = barOffset.bottom
                }
                bar(element, y: y, thickness: thickness, on: &drawing)
            case .headline, .offer, .brand:
                guard let text = copy.text(for: element.kind) else { continue }
                var box = place(element.box, in: area)
                if element.flow, let previous = boxes.last(where: { Self.textRoles.contains($0.role) }) {
                    let gap = max(2, Int(Double(area.height) * 0.02))
                    box.y = min(box.y, max(previous.y + previous.height + gap, area.y))
                }
                try setText(text, role: element.kind.rawValue, element, in: box, on: &drawing)
            case .logo:
                let box = place(element.box, in: area)
                if let logo {
                    try drawLogo(logo, element, in: box, on: &drawing)
                } else if element.fallbackToName, let name = copy.brand {
                    try setText(name, role: "brand", element, in: box, mayTruncate: false, on: &drawing)
                }
            case .cta:
                guard let label = copy.cta else { continue }
                try button(label, element, in: place(element.box, in: area), on: &drawing)
            }
        }
    }

    /// An even wash over the canvas.
    func shade(_ element: LayoutTemplate.Element, on drawing: inout Drawing) {
        var color = palette.resolve(element.color ?? .dark)
        color.alpha = UInt8((element.opacity * 255).rounded())
        drawing.fill(color, x: 0, y: 0, width: width, height: height)
    }

    /// A gradient from a canvas edge, strongest at the edge: it holds most of its strength over 70% of its
    /// reach, then fades out quickly, so the text on it reads and the picture beyond it stays untouched. Its reach
    /// is measured into the safe area, so the same template covers the same copy on a story (with its 250 px top
    /// zone) and on a square. Each row is blended with one strength across the canvas.
    func scrim(_ element: LayoutTemplate.Element, area: Rect, on drawing: inout Drawing) {
        let into = Int((Double(area.height) * element.extent).rounded())
        let reach = min(height, element.edge == .top ? area.y + into : height - (area.y + area.height - into))
        guard reach > 0, element.opacity > 0 else { return }
        drawing.fillRows(
            palette.resolve(element.color ?? .dark), top: element.edge == .top ? 0 : height - reach,
            coverage: Self.scrimCoverage(rows: reach, opacity: element.opacity, fromTop: element.edge == .top))
    }

    /// A scrim's strength per row, 0…255, from the edge it hangs on: a linear gradient through the stops (offset,
    /// opacity) (0, s), (0.7, 0.85 s), (1, 0) from that edge, sampled at the rows' centres.
    static func scrimCoverage(rows: Int, opacity: Double, fromTop: Bool) -> [UInt8] {
        let stops = [(0.0, opacity), (0.7, opacity * 0.85), (1.0, 0.0)]
        return (0..<rows).map { row in
            let fromEdge = fromTop ? row : rows - 1 - row
            let t = (Double(fromEdge) + 0.5) / Double(rows)
            let upper = stops.firstIndex { $0.0 >= t } ?? stops.count - 1
            let lower = max(0, upper - 1)
            let span = stops[upper].0 - stops[lower].0
            let share = span > 0 ? (t - stops[lower].0) / span : 0
            let strength = stops[lower].1 + (stops[upper].1 - stops[lower].1) * share
            return UInt8((min(1, max(0, strength)) * 255).rounded())
        }
    }

    /// A full-width bar in a brand colour.
    mutating func bar(_ element: LayoutTemplate.Element, y: Int, thickness: Int, on drawing: inout Drawing) {
        var color = palette.resolve(element.color ?? .accent)
        color.alpha = UInt8((element.opacity * 255).rounded())
        drawing.fill(color, x: 0, y: y, width: width, height: thickness)
        boxes.append(LayoutBox(role: "bar", x: 0, y: y, width: width, height: thickness, color: color.hex))
    }

    /// The logo, scaled to fit the box with its proportions kept.
    mutating func drawLogo(_ logo: Image, _ element: LayoutTemplate.Element, in box: Rect, on drawing: inout Drawing)
        throws
    {
        let scale = min(Double(box.width) / Double(logo.width), Double(box.height) / Double(logo.height))
        let fitted = try logo.resized(scale: scale)
        let (x, y) = Self.align(width: fitted.width, height: fitted.height, in: box, element)
        try drawing.draw(fitted, x: x, y: y)
        boxes.append(LayoutBox(role: "logo", x: x, y: y, width: fitted.width, height: fitted.height, color: nil))
    }

    /// The roles of text boxes.
    static let textRoles: Set<String> = ["headline", "offer", "brand"]

    /// Text fitted to its box and aligned in it; when it cannot fit without truncation and `mayTruncate` is
    /// false, it is left out.
    mutating func setText(
        _ text: String, role: String, _ element: LayoutTemplate.Element, in box: Rect, mayTruncate: Bool = true,
        on drawing: inout Drawing
    ) throws {
        let colour = palette.resolve(element.color ?? .white)
        let request = TextFit(
            text: text, font: font, width: box.width, height: box.height, lines: element.lines,
            minScale: element.minScale, alignment: element.align, mayTruncate: mayTruncate, shadow: element.shadow)
        let setting = try cache?.text(request) ?? request.set()
        for event in setting.events { note(event) }
        guard let mask = setting.mask else { return }
        let (x, y) = Self.align(width: mask.width, height: mask.height, in: box, element)
        if let shadow = setting.shadow {
            // A soft shadow in the opposite tone lifts the text off busy parts of the picture.
            var shade = colour.luminance > 0.4 ? palette.dark : Palette.white
            shade.alpha = 150
            let spread = TextFit.shadowSpread(size: setting.size)
            try drawing.fill(shade, mask: shadow, x: x - 2 * spread, y: y - 2 * spread + spread / 3)
        }
        try drawing.fill(colour, mask: mask, x: x, y: y)
        boxes.append(
            LayoutBox(
                role: role, x: x, y: y, width: mask.width, height: mask.height, color: colour.hex,
                textSize: setting.size))
    }

    /// A rounded button in the fill colour, sized to its label unless it is full width, with the label centred
    /// in white or the dark colour, whichever contrasts more with the fill.
    mutating func button(_ label: String, _ element: LayoutTemplate.Element, in box: Rect, on drawing: inout Drawing)
        throws
    {
        let buttonHeight = min(box.height, max(30, min(width, height) / 10, box.width / 5))
        let padding = max(6, buttonHeight * 35 / 100)
        let fill = palette.resolve(element.fill ?? .accent)
        let ink =
            element.color.map(palette.resolve)
            ?? (fill.contrast(with: Palette.white) >= fill.contrast(with: palette.dark) ? Palette.white : palette.dark)
        let request = TextFit(
            text: label, font: font, width: max(1, box.width - 2 * padding), height: buttonHeight * 52 / 100,
            lines: 1, minScale: element.minScale, alignment: .centre, mayTruncate: true, shadow: false)
        let setting = try cache?.text(request) ?? request.set()
        for event in setting.events { note(event) }
        guard let text = setting.mask else { return }
        let buttonWidth =
            element.fullWidth ? box.width : min(box.width, max(buttonHeight * 5 / 2, text.width + 2 * padding))
        let radius = Double(buttonHeight) * element.radius
        let (x, y) = Self.align(width: buttonWidth, height: buttonHeight, in: box, element)
        drawing.fill(fill, x: x, y: y, width: buttonWidth, height: buttonHeight, cornerRadius: radius)
        try drawing.fill(
            ink, mask: text, x: x + (buttonWidth - text.width) / 2, y: y + (buttonHeight - text.height) / 2)
        boxes.append(
            LayoutBox(
                role: "cta", x: x, y: y, width: buttonWidth, height: buttonHeight, color: ink.hex,
                textSize: setting.size))
    }

    mutating func note(_ event: String) {
        if !events.contains(event) { events.append(event) }
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
