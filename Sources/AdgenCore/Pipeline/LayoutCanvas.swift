import AdgenImaging
import Foundation

/// A layout's working state for one creative: the image being drawn on, and what was placed where.
struct LayoutCanvas {
    var image: Image
    let width: Int
    let height: Int
    let safeZone: SafeZone
    let font: String
    let palette: Palette
    let logo: Image?
    /// Every box drawn, for scoring.
    var boxes: [LayoutBox] = []
    /// Text-fit events (`text-shrunk`, `text-truncated`).
    var events: [String] = []

    init(image: Image, safeZone: SafeZone, font: String, palette: Palette, logo: Image?) {
        self.image = image
        width = image.width
        height = image.height
        self.safeZone = safeZone
        self.font = font
        self.palette = palette
        self.logo = logo
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

    mutating func draw(_ arrangement: LayoutTemplate.Arrangement, copy: LayoutStep.Copy) throws {
        let area = safeArea(for: arrangement)
        var barOffset = (top: 0, bottom: height)
        for element in arrangement.elements {
            switch element.kind {
            case .shade:
                try shade(element)
            case .scrim:
                try scrim(element, area: area)
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
                try bar(element, y: y, thickness: thickness)
            case .headline, .offer, .brand:
                guard let text = copy.text(for: element.kind) else { continue }
                var box = place(element.box, in: area)
                if element.flow, let previous = boxes.last(where: { Self.textRoles.contains($0.role) }) {
                    let gap = max(2, Int(Double(area.height) * 0.02))
                    box.y = min(box.y, max(previous.y + previous.height + gap, area.y))
                }
                try setText(text, role: element.kind.rawValue, element, in: box)
            case .logo:
                let box = place(element.box, in: area)
                if let logo {
                    try drawLogo(logo, element, in: box)
                } else if element.fallbackToName, let name = copy.brand {
                    try setText(name, role: "brand", element, in: box, mayTruncate: false)
                }
            case .cta:
                guard let label = copy.cta else { continue }
                try button(label, element, in: place(element.box, in: area))
            }
        }
    }

    /// An even wash over the canvas.
    mutating func shade(_ element: LayoutTemplate.Element) throws {
        var color = palette.resolve(element.color ?? .dark)
        color.alpha = UInt8((element.opacity * 255).rounded())
        image = try image.composited(Image.solid(width: width, height: height, color: color), x: 0, y: 0)
    }

    /// A gradient from a canvas edge, strongest at the edge: it holds most of its strength over 70% of its
    /// reach, then fades out quickly, so the text on it reads and the picture beyond it stays untouched. Its reach is measured into the safe area, so the
    /// same template covers the same copy on a story (with its 250 px top zone) and on a square. Rendered one
    /// narrow column wide and tiled across, so its cost hardly grows with the canvas width.
    mutating func scrim(_ element: LayoutTemplate.Element, area: Rect) throws {
        let into = Int((Double(area.height) * element.extent).rounded())
        let reach = min(height, element.edge == .top ? area.y + into : height - (area.y + area.height - into))
        guard reach > 0, element.opacity > 0 else { return }
        let color = palette.resolve(element.color ?? .dark)
        let strong = element.opacity
        let stops =
            element.edge == .top
            ? [(0.0, strong), (0.7, strong * 0.85), (1.0, 0.0)] : [(0.0, 0.0), (0.3, strong * 0.85), (1.0, strong)]
        let column = 8
        let gradient = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(column)" height="\(reach)"><defs>\
            <linearGradient id="s" x1="0" y1="0" x2="0" y2="1">\
            \(stops.map { "<stop offset=\"\($0.0)\" stop-color=\"\(color.hex)\" stop-opacity=\"\($0.1)\"/>" }.joined())\
            </linearGradient></defs><rect width="\(column)" height="\(reach)" fill="url(#s)"/></svg>
            """)
        let stretched = try gradient.tiled(toWidth: width, height: reach)
        image = try image.composited(stretched, x: 0, y: element.edge == .top ? 0 : height - reach)
    }

    /// A full-width bar in a brand colour.
    mutating func bar(_ element: LayoutTemplate.Element, y: Int, thickness: Int) throws {
        var color = palette.resolve(element.color ?? .accent)
        color.alpha = UInt8((element.opacity * 255).rounded())
        image = try image.composited(Image.solid(width: width, height: thickness, color: color), x: 0, y: y)
        boxes.append(LayoutBox(role: "bar", x: 0, y: y, width: width, height: thickness, color: color.hex))
    }

    /// The logo, scaled to fit the box with its proportions kept.
    mutating func drawLogo(_ logo: Image, _ element: LayoutTemplate.Element, in box: Rect) throws {
        let scale = min(Double(box.width) / Double(logo.width), Double(box.height) / Double(logo.height))
        let fitted = try logo.resized(scale: scale)
        let (x, y) = Self.align(width: fitted.width, height: fitted.height, in: box, element)
        image = try image.composited(fitted, x: x, y: y)
        boxes.append(LayoutBox(role: "logo", x: x, y: y, width: fitted.width, height: fitted.height, color: nil))
    }

    /// The roles of text boxes.
    static let textRoles: Set<String> = ["headline", "offer", "brand"]

    /// Text fitted to its box and aligned in it; when it cannot fit without truncation and `mayTruncate` is
    /// false, it is left out.
    mutating func setText(
        _ text: String, role: String, _ element: LayoutTemplate.Element, in box: Rect, mayTruncate: Bool = true
    ) throws {
        let colour = palette.resolve(element.color ?? .white)
        guard
            let fitted = try fit(
                text, in: box, lines: element.lines, minScale: element.minScale, alignment: element.align,
                mayTruncate: mayTruncate)
        else { return }
        let ink = try fitted.mask.coloured(colour)
        let (x, y) = Self.align(width: ink.width, height: ink.height, in: box, element)
        if element.shadow {
            // A soft shadow in the opposite tone lifts the text off busy parts of the picture.
            var shade = colour.luminance > 0.4 ? palette.dark : Palette.white
            shade.alpha = 150
            let spread = max(2, fitted.size / 8)
            let shadow = try fitted.mask.coloured(shade)
                .extended(
                    toWidth: ink.width + 4 * spread, height: ink.height + 4 * spread, x: 2 * spread, y: 2 * spread
                )
                .blurred(sigma: Double(spread) / 1.5)
            image = try image.composited(shadow, x: x - 2 * spread, y: y - 2 * spread + spread / 3)
        }
        image = try image.composited(ink, x: x, y: y)
        boxes.append(
            LayoutBox(
                role: role, x: x, y: y, width: ink.width, height: ink.height, color: colour.hex,
                textSize: fitted.size))
    }

    /// A rounded button in the fill colour, sized to its label unless it is full width, with the label centred
    /// in white or the dark colour, whichever contrasts more with the fill.
    mutating func button(_ label: String, _ element: LayoutTemplate.Element, in box: Rect) throws {
        let buttonHeight = min(box.height, max(30, min(width, height) / 10, box.width / 5))
        let padding = max(6, buttonHeight * 35 / 100)
        let fill = palette.resolve(element.fill ?? .accent)
        let ink =
            element.color.map(palette.resolve)
            ?? (fill.contrast(with: Palette.white) >= fill.contrast(with: palette.dark) ? Palette.white : palette.dark)
        let labelBox = Rect(x: 0, y: 0, width: max(1, box.width - 2 * padding), height: buttonHeight * 52 / 100)
        guard let text = try fit(label, in: labelBox, lines: 1, minScale: element.minScale, alignment: .centre) else {
            return
        }
        let buttonWidth =
            element.fullWidth ? box.width : min(box.width, max(buttonHeight * 5 / 2, text.mask.width + 2 * padding))
        let radius = Double(buttonHeight) * element.radius
        let shape = try Image.svg(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(buttonWidth)" height="\(buttonHeight)">\
            <rect width="\(buttonWidth)" height="\(buttonHeight)" rx="\(radius)" fill="\(fill.hex)"/></svg>
            """)
        let (x, y) = Self.align(width: buttonWidth, height: buttonHeight, in: box, element)
        image = try image.composited(shape, x: x, y: y)
        let coloured = try text.mask.coloured(ink)
        image = try image.composited(
            coloured, x: x + (buttonWidth - coloured.width) / 2, y: y + (buttonHeight - coloured.height) / 2)
        boxes.append(
            LayoutBox(
                role: "cta", x: x, y: y, width: buttonWidth, height: buttonHeight, color: ink.hex, textSize: text.size))
    }

    // MARK: Fitting text

    /// `text` as a mask that fits `box`: at its nominal size (the box height over `lines`) when it fits, else
    /// the largest size that does down to `minScale` of nominal, else at that floor, cut at a word (or
    /// character) with an ellipsis — or nil when `mayTruncate` is false. Records `text-shrunk` and
    /// `text-truncated`.
    mutating func fit(
        _ text: String, in box: Rect, lines: Int, minScale: Double, alignment: LayoutTemplate.Alignment,
        mayTruncate: Bool = true
    ) throws -> FittedText? {
        let textAlignment: TextAlignment =
            switch alignment {
            case .left: .leading
            case .centre: .centre
            case .right: .trailing
            }
        // Pango's size is the em; a line is about 1.2 em. A box designed for several lines but too short for them
        // at a legible size is set as one line at that size instead (11 px: the scorer's floor).
        let legible = min(11, Double(box.height) / 1.2)
        let nominal = max(6, Int(max(Double(box.height) / (Double(lines) * 1.2), legible)))
        let description = "\(font) \(nominal)"
        func render(_ words: String, dpi: Int, autofit: Bool = false) throws -> RenderedText {
            try Image.text(
                Self.escaped(words), font: description, width: box.width, height: autofit ? box.height : nil,
                alignment: textAlignment, dpi: dpi)
        }
        func fits(_ mask: Image) -> Bool { mask.width <= box.width && mask.height <= box.height }

        func sized(_ mask: Image, dpi: Int) -> FittedText { FittedText(mask: mask, size: nominal * dpi / 72) }
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
            best = try best.cropped(
                x: 0, y: 0, width: min(best.width, box.width), height: min(best.height, box.height))
        }
        return sized(best, dpi: floorDPI)
    }

    /// A fitted text mask and its font size in pixels.
    struct FittedText {
        var mask: Image
        var size: Int
    }

    mutating func note(_ event: String) {
        if !events.contains(event) { events.append(event) }
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
