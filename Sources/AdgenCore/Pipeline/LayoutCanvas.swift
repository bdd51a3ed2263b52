import AdgenImaging
import Foundation

/// A layout's working state for one creative: it plans where things go around the picture's subject, then draws
/// the plan into a `Drawing` of the picture: every element is blended straight into the picture's pixels.
struct LayoutCanvas {
    let width: Int
    let height: Int
    let safeZone: SafeZone
    let font: String
    let palette: Palette
    let logo: Image?
    /// The product cutout, in composite mode.
    let product: ProductCutout?
    /// Fitted text, shared by the creatives of one pipeline; nil sets every text afresh.
    let cache: LayoutStep.Cache?

    init(
        width: Int, height: Int, safeZone: SafeZone, font: String, palette: Palette, logo: Image?,
        product: ProductCutout? = nil, cache: LayoutStep.Cache? = nil
    ) {
        self.width = width
        self.height = height
        self.safeZone = safeZone
        self.font = font
        self.palette = palette
        self.logo = logo
        self.product = product
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

    // MARK: Geometry

    /// The safe area: the canvas less the safe zone (or the bars on its edges, where they are thicker), and the
    /// margin.
    func safeArea(for arrangement: LayoutTemplate.Arrangement) -> PixelBox {
        // Bars sit on the canvas edge; where they reach past the safe zone, the safe area gives way.
        var barsTop = 0
        var barsBottom = 0
        for element in arrangement.elements where element.kind == .bar {
            if element.edge == .top { barsTop += barThickness(element) } else { barsBottom += barThickness(element) }
        }
        let top = max(safeZone.top, barsTop)
        let bottom = height - max(safeZone.bottom, barsBottom)
        let margin = max(3, Int((Double(min(width, height)) * arrangement.margin).rounded()))
        return PixelBox(
            x: safeZone.left + margin, y: top + margin,
            width: max(1, width - safeZone.left - safeZone.right - 2 * margin),
            height: max(1, bottom - top - 2 * margin))
    }

    func barThickness(_ element: LayoutTemplate.Element) -> Int {
        max(2, Int((Double(min(width, height)) * element.thickness).rounded()))
    }

    /// A template box in canvas pixels.
    func place(_ box: LayoutTemplate.Box, in area: PixelBox) -> PixelBox {
        let x = area.x + Int((box.x * Double(area.width)).rounded())
        let y = area.y + Int((box.y * Double(area.height)).rounded())
        let right = area.x + Int(((box.x + box.width) * Double(area.width)).rounded())
        let bottom = area.y + Int(((box.y + box.height) * Double(area.height)).rounded())
        return PixelBox(x: x, y: y, width: max(1, right - x), height: max(1, bottom - y))
    }

    /// Where content of `width` × `height` goes in `box` under the element's alignment.
    static func align(width: Int, height: Int, in box: PixelBox, _ element: LayoutTemplate.Element) -> (x: Int, y: Int)
    {
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

    // MARK: Planning

    /// What a layout puts where, decided before anything is drawn, so it can be checked against the subject and
    /// another tried.
    struct Plan {
        /// One thing to draw, in order.
        enum Item {
            case shade(RGBA)
            case rows(RGBA, top: Int, coverage: [UInt8])
            case rectangle(RGBA, PixelBox)
            case product(PixelBox, shadow: Bool)
            case text(TextFit.Setting, x: Int, y: Int, colour: RGBA)
            case image(Image, x: Int, y: Int)
            case button(fill: RGBA, ink: RGBA, label: Image, box: PixelBox, radius: Double)
        }

        var items: [Item] = []
        /// Every box, for scoring and the manifest.
        var boxes: [LayoutBox] = []
        /// Text-fit events.
        var events: [String] = []
        /// The picture's subject: where the product was set, or where the picture's subject was found.
        var subject: PixelBox?
        /// The share of the subject that copy, buttons and logos cover.
        var covered = 0.0
        /// The picture framed otherwise (another crop of the same source) the plan is for; nil for the picture as
        /// it came.
        var picture: Image?

        /// Whether the product is among the items yet.
        var setsProduct: Bool { items.contains { if case .product = $0 { true } else { false } } }

        mutating func note(_ event: String) {
            if !events.contains(event) { events.append(event) }
        }
    }

    /// The roles whose boxes must keep clear of the subject.
    static let copyRoles: Set<String> = ["headline", "offer", "brand", "cta", "logo"]

    /// The share of the subject under copy beyond which the creative is tagged `subject-covered` (the scorer's
    /// `subject_clear` threshold).
    static let subjectTolerance = 0.02

    /// Plans the layout of `candidates` (the template's arrangements for this shape, in order) around the subject:
    /// the product set into its slot (composite mode) or `detected` (found in the picture). It takes the first
    /// arrangement that keeps every copy box off the subject; failing that, with the product made smaller in its
    /// slot, or the picture framed otherwise (`reframings`: other crops of its source, each with the subject found
    /// in it, made when tried); failing that, with the copy's boxes cut back to the side of the subject they have most room on (the
    /// text shrinks to its floor to fit); and only then the least-covered plan, tagged `subject-covered`.
    func layout(
        _ candidates: [LayoutTemplate.Arrangement], copy: LayoutStep.Copy, detected: PixelBox?,
        reframings: [() throws -> (picture: Image, subject: PixelBox?)] = []
    ) throws -> Plan {
        guard product != nil || detected != nil else {
            return try plan(candidates[0], copy: copy, detected: nil)
        }
        var best: Plan?
        func keep(_ plan: Plan) -> Bool {
            if best == nil || plan.covered < best!.covered - 1e-9 { best = plan }
            return plan.covered == 0
        }
        for arrangement in candidates {
            // The product's boxes in this arrangement: of those that keep the copy off it, the one where it comes
            // out largest.
            let clear = try (0..<productBoxCount(arrangement)).map { option in
                try plan(arrangement, copy: copy, detected: detected, productBox: option)
            }.filter { keep($0) }
            if let largest = clear.max(by: { ($0.subject?.area ?? 0) < ($1.subject?.area ?? 0) }) { return largest }
        }
        if product != nil {
            for scale in [0.85, 0.7] {
                for arrangement in candidates
                where keep(try plan(arrangement, copy: copy, detected: detected, productScale: scale)) {
                    return best!
                }
            }
        } else {
            for reframing in reframings {
                // A framing that cuts the subject at the frame's edge is no way out.
                let (picture, subject) = try reframing()
                guard let subject, subject.x > 0, subject.y > 0, subject.x + subject.width < width,
                    subject.y + subject.height < height
                else { continue }
                for arrangement in candidates {
                    var framed = try plan(arrangement, copy: copy, detected: subject)
                    framed.picture = picture
                    if keep(framed) { return best! }
                }
            }
        }
        for arrangement in candidates
        where keep(try plan(arrangement, copy: copy, detected: detected, givingWay: true)) {
            return best!
        }
        var chosen = best!
        if chosen.covered > Self.subjectTolerance { chosen.note("subject-covered") }
        return chosen
    }

    /// One arrangement planned: the product placed first (it decides where the copy may not go), then every
    /// element in order. With `givingWay`, each copy box is cut back to stay clear of the subject.
    func plan(
        _ arrangement: LayoutTemplate.Arrangement, copy: LayoutStep.Copy, detected: PixelBox?,
        productBox: Int = 0, productScale: Double = 1, givingWay: Bool = false
    ) throws -> Plan {
        let area = safeArea(for: arrangement)
        var plan = Plan()
        plan.subject =
            product.map { placeProduct($0, arrangement, area: area, box: productBox, scale: productScale) } ?? detected
        let avoid = givingWay ? plan.subject : nil
        func box(_ element: LayoutTemplate.Element) -> PixelBox {
            let placed = place(element.box, in: area)
            guard let avoid else { return placed }
            return Self.clear(of: avoid, placed)
        }
        var barOffset = (top: 0, bottom: height)
        for element in arrangement.elements {
            switch element.kind {
            case .shade:
                var color = palette.resolve(element.color ?? .dark)
                color.alpha = UInt8((element.opacity * 255).rounded())
                plan.items.append(.shade(color))
            case .scrim:
                if let rows = scrim(element, area: area) { plan.items.append(rows) }
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
                var color = palette.resolve(element.color ?? .accent)
                color.alpha = UInt8((element.opacity * 255).rounded())
                plan.items.append(.rectangle(color, PixelBox(x: 0, y: y, width: width, height: thickness)))
                plan.boxes.append(LayoutBox(role: "bar", x: 0, y: y, width: width, height: thickness, color: color.hex))
            case .product:
                // Placed once, before the loop; drawn here, in its turn among the elements (over scrims and
                // shades, under the copy). Only the first product element of an arrangement is used.
                if let subject = plan.subject, product != nil,
                    !plan.setsProduct
                {
                    plan.items.append(.product(subject, shadow: element.shadow))
                }
            case .headline, .offer, .brand:
                guard let text = copy.text(for: element.kind) else { continue }
                var box = box(element)
                if element.flow, let previous = plan.boxes.last(where: { Self.textRoles.contains($0.role) }) {
                    let gap = max(2, Int(Double(area.height) * 0.02))
                    box.y = min(box.y, max(previous.y + previous.height + gap, area.y))
                }
                try setText(text, role: element.kind.rawValue, element, in: box, plan: &plan)
            case .logo:
                let box = box(element)
                if let logo {
                    try placeLogo(logo, element, in: box, plan: &plan)
                } else if element.fallbackToName, let name = copy.brand {
                    try setText(name, role: "brand", element, in: box, mayTruncate: false, plan: &plan)
                }
            case .cta:
                guard let label = copy.cta else { continue }
                try button(label, element, in: box(element), plan: &plan)
            }
        }
        if let subject = plan.subject {
            if product != nil, !plan.setsProduct {
                // A template without a product element: the product goes over the decoration, under the copy.
                let firstCopy = plan.items.firstIndex { item in
                    switch item {
                    case .text, .image, .button: true
                    default: false
                    }
                }
                plan.items.insert(.product(subject, shadow: true), at: firstCopy ?? plan.items.count)
            }
            plan.covered = Self.coveredShare(of: subject, by: plan.boxes)
        }
        return plan
    }

    /// The share of `subject` under any copy box (a logo with its clear space), each pixel counted once.
    static func coveredShare(of subject: PixelBox, by boxes: [LayoutBox]) -> Double {
        let parts = boxes.filter { copyRoles.contains($0.role) }.compactMap { box -> PixelBox? in
            let clear = box.role == "logo" ? logoClearSpace(height: box.height) : 0
            return PixelBox(
                x: box.x - clear, y: box.y - clear, width: box.width + 2 * clear, height: box.height + 2 * clear
            ).intersection(subject)
        }
        guard subject.area > 0, !parts.isEmpty else { return 0 }
        return Double(PixelBox.unionArea(parts)) / Double(subject.area)
    }

    /// The clear space kept around a logo of `height` pixels: a tenth of its height, at least 2 pixels.
    static func logoClearSpace(height: Int) -> Int { max(2, height / 10) }

    /// `box` cut back to the largest of its parts beside `subject` (left, right, above or below it); the box as it
    /// is when it does not meet the subject, or when nothing of it is left beside it.
    static func clear(of subject: PixelBox, _ box: PixelBox) -> PixelBox {
        guard box.intersection(subject) != nil else { return box }
        let parts = [
            PixelBox(x: box.x, y: box.y, width: subject.x - box.x, height: box.height),
            PixelBox(
                x: subject.x + subject.width, y: box.y, width: box.x + box.width - (subject.x + subject.width),
                height: box.height),
            PixelBox(x: box.x, y: box.y, width: box.width, height: subject.y - box.y),
            PixelBox(
                x: box.x, y: subject.y + subject.height, width: box.width,
                height: box.y + box.height - (subject.y + subject.height)),
        ].filter { $0.width >= 8 && $0.height >= 8 }
        return parts.max { $0.width * $0.height < $1.width * $1.height } ?? box
    }

    /// How many boxes the product may take in `arrangement`: its product element's box and alternatives (one without
    /// a product, or without a product element).
    func productBoxCount(_ arrangement: LayoutTemplate.Arrangement) -> Int {
        guard product != nil, let element = arrangement.elements.first(where: { $0.kind == .product }) else { return 1 }
        return 1 + element.alternatives.count
    }

    /// Where the product goes: fitted into the arrangement's product box (`box` 0) or one of its alternatives (or,
    /// when it has no product element, the largest part of the safe area no copy box of the template reaches),
    /// scaled by `scale`, and aligned in it.
    func placeProduct(
        _ product: ProductCutout, _ arrangement: LayoutTemplate.Arrangement, area: PixelBox, box: Int = 0,
        scale: Double
    ) -> PixelBox {
        let element =
            arrangement.elements.first { $0.kind == .product }
            ?? LayoutTemplate.Element(kind: .product, align: .centre, valign: .bottom)
        let boxes = [element.box] + element.alternatives
        let slot =
            arrangement.elements.contains { $0.kind == .product }
            ? place(boxes[min(box, boxes.count - 1)], in: area)
            : freeSlot(
                in: area,
                avoiding: arrangement.elements.filter { Self.copyKinds.contains($0.kind) }.map {
                    place($0.box, in: area)
                })
        let fit =
            min(Double(slot.width) / Double(product.width), Double(slot.height) / Double(product.height))
            * element.scale * scale
        let fitted = (
            width: max(1, Int((Double(product.width) * fit).rounded())),
            height: max(1, Int((Double(product.height) * fit).rounded()))
        )
        let (x, y) = Self.align(width: fitted.width, height: fitted.height, in: slot, element)
        return PixelBox(x: x, y: y, width: fitted.width, height: fitted.height)
    }

    /// The element kinds that hold copy.
    static let copyKinds: Set<LayoutTemplate.Kind> = [.headline, .offer, .brand, .cta, .logo]

    /// The largest rectangle of `area` that none of `taken` reaches, among those whose edges are the area's and
    /// the boxes' edges.
    func freeSlot(in area: PixelBox, avoiding taken: [PixelBox]) -> PixelBox {
        let xs = Set([area.x, area.x + area.width] + taken.flatMap { [$0.x, $0.x + $0.width] })
            .filter { $0 >= area.x && $0 <= area.x + area.width }.sorted()
        let ys = Set([area.y, area.y + area.height] + taken.flatMap { [$0.y, $0.y + $0.height] })
            .filter { $0 >= area.y && $0 <= area.y + area.height }.sorted()
        var best = area
        var bestArea = -1
        for (i, left) in xs.enumerated() {
            for right in xs[(i + 1)...] {
                for (j, top) in ys.enumerated() {
                    for bottom in ys[(j + 1)...] {
                        let candidate = PixelBox(x: left, y: top, width: right - left, height: bottom - top)
                        guard candidate.area > bestArea,
                            !taken.contains(where: { $0.intersection(candidate) != nil })
                        else { continue }
                        best = candidate
                        bestArea = candidate.area
                    }
                }
            }
        }
        return best
    }

    /// A scrim's rows: a gradient from a canvas edge, strongest at the edge. It holds most of its strength over 70%
    /// of its reach, then fades out quickly, so the text on it reads and the picture beyond it stays untouched. Its
    /// reach is measured into the safe area, so the same template covers the same copy on a story (with its 250 px
    /// top zone) and on a square. Each row is blended with one strength across the canvas.
    func scrim(_ element: LayoutTemplate.Element, area: PixelBox) -> Plan.Item? {
        let into = Int((Double(area.height) * element.extent).rounded())
        let reach = min(height, element.edge == .top ? area.y + into : height - (area.y + area.height - into))
        guard reach > 0, element.opacity > 0 else { return nil }
        return .rows(
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

    /// The logo, scaled to fit the box less its clear space, its proportions kept.
    func placeLogo(_ logo: Image, _ element: LayoutTemplate.Element, in box: PixelBox, plan: inout Plan) throws {
        let clear = Self.logoClearSpace(height: box.height)
        let inner = PixelBox(
            x: box.x + clear, y: box.y + clear, width: max(1, box.width - 2 * clear),
            height: max(1, box.height - 2 * clear))
        let scale = min(Double(inner.width) / Double(logo.width), Double(inner.height) / Double(logo.height))
        let fitted = try logo.resized(scale: scale)
        let (x, y) = Self.align(width: fitted.width, height: fitted.height, in: inner, element)
        plan.items.append(.image(fitted, x: x, y: y))
        plan.boxes.append(LayoutBox(role: "logo", x: x, y: y, width: fitted.width, height: fitted.height, color: nil))
    }

    /// The roles of text boxes.
    static let textRoles: Set<String> = ["headline", "offer", "brand"]

    /// Text fitted to its box and aligned in it; when it cannot fit without truncation and `mayTruncate` is
    /// false, it is left out.
    func setText(
        _ text: String, role: String, _ element: LayoutTemplate.Element, in box: PixelBox, mayTruncate: Bool = true,
        plan: inout Plan
    ) throws {
        let colour = palette.resolve(element.color ?? .white)
        let request = TextFit(
            text: text, font: font, width: box.width, height: box.height, lines: element.lines,
            minScale: element.minScale, alignment: element.align, mayTruncate: mayTruncate, shadow: element.shadow)
        let setting = try cache?.text(request) ?? request.set()
        for event in setting.events { plan.note(event) }
        guard let mask = setting.mask else { return }
        let (x, y) = Self.align(width: mask.width, height: mask.height, in: box, element)
        plan.items.append(.text(setting, x: x, y: y, colour: colour))
        plan.boxes.append(
            LayoutBox(
                role: role, x: x, y: y, width: mask.width, height: mask.height, color: colour.hex,
                textSize: setting.size))
    }

    /// A rounded button in the fill colour, sized to its label unless it is full width, with the label centred
    /// in white or the dark colour, whichever contrasts more with the fill.
    func button(_ label: String, _ element: LayoutTemplate.Element, in box: PixelBox, plan: inout Plan) throws {
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
        for event in setting.events { plan.note(event) }
        guard let text = setting.mask else { return }
        let buttonWidth =
            element.fullWidth ? box.width : min(box.width, max(buttonHeight * 5 / 2, text.width + 2 * padding))
        let (x, y) = Self.align(width: buttonWidth, height: buttonHeight, in: box, element)
        plan.items.append(
            .button(
                fill: fill, ink: ink, label: text, box: PixelBox(x: x, y: y, width: buttonWidth, height: buttonHeight),
                radius: Double(buttonHeight) * element.radius))
        plan.boxes.append(
            LayoutBox(
                role: "cta", x: x, y: y, width: buttonWidth, height: buttonHeight, color: ink.hex,
                textSize: setting.size))
    }

    // MARK: Drawing

    /// Draws a plan into `drawing`, a copy of `picture`; returns the product as it was set (for the fidelity
    /// check), when the plan has one.
    func render(_ plan: Plan, picture: Image, on drawing: inout Drawing) throws -> SetProduct? {
        var set: SetProduct?
        for item in plan.items {
            switch item {
            case .shade(let color):
                drawing.fill(color, x: 0, y: 0, width: width, height: height)
            case .rows(let color, let top, let coverage):
                drawing.fillRows(color, top: top, coverage: coverage)
            case .rectangle(let color, let box):
                drawing.fill(color, x: box.x, y: box.y, width: box.width, height: box.height)
            case .product(let box, let shadow):
                guard let product else { continue }
                set = try product.set(into: &drawing, at: box, picture: picture, shadow: shadow)
            case .text(let setting, let x, let y, let colour):
                guard let mask = setting.mask else { continue }
                if let shadow = setting.shadow {
                    // A soft shadow in the opposite tone lifts the text off busy parts of the picture.
                    var shade = colour.luminance > 0.4 ? palette.dark : Palette.white
                    shade.alpha = 150
                    let spread = TextFit.shadowSpread(size: setting.size)
                    try drawing.fill(shade, mask: shadow, x: x - 2 * spread, y: y - 2 * spread + spread / 3)
                }
                try drawing.fill(colour, mask: mask, x: x, y: y)
            case .image(let image, let x, let y):
                try drawing.draw(image, x: x, y: y)
            case .button(let fill, let ink, let label, let box, let radius):
                drawing.fill(fill, x: box.x, y: box.y, width: box.width, height: box.height, cornerRadius: radius)
                try drawing.fill(
                    ink, mask: label, x: box.x + (box.width - label.width) / 2,
                    y: box.y + (box.height - label.height) / 2)
            }
        }
        return set
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
