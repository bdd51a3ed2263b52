import AdgenImaging
import Foundation

extension ProceduralPainter {
    /// The scene for the request. Every choice comes from the "scene" generator, drawn in a fixed order.
    func scene() -> Scene {
        var generator = Self.generator(request, salt: "scene")
        func random() -> Double { Double(generator.next() >> 11) / Double(UInt64(1) << 53) }
        func pick<T>(_ options: [T]) -> T { options[Int(generator.next(upperBound: UInt64(options.count)))] }

        let width = Double(request.width)
        let height = Double(request.height)
        let unit = min(width, height)
        let p = palette
        let sizeFactor: Double =
            switch style {
            case .minimal: 0.36
            case .bold, .playful: 0.5
            default: 0.44
            }
        // The composition words place the product; the prompt's own draws place the light and the shapes around
        // it, so two prompts that differ in any phrase are different pictures.
        var layoutGenerator = Self.generator(request, salt: "composition")
        let composition = Composition(
            text: text, words: words, width: request.width, height: request.height, baseScale: sizeFactor,
            generator: &layoutGenerator)
        let size = unit * composition.scale
        let focusX = width * composition.focusX
        let focusY = height * composition.focusY
        let horizon = height * composition.horizon
        var lightX = width * (0.08 + random() * 0.84)
        var lightY = height * (0.05 + random() * 0.35)
        if composition.silhouette {
            lightX = focusX
            lightY = focusY - size * 0.15
        }
        let slant = random()
        let body = composition.silhouette ? p.shadow.shifted(0.06) : p.accent
        // Soft shapes look blurred by a Gaussian of one of these deviations.
        let soft = unit * 0.03
        let softer = unit * 0.08

        var scene = Scene(width: request.width, height: request.height)
        scene.defs = """
            <linearGradient id="bg" x1="\(f(slant))" y1="0" x2="\(f(1 - slant))" y2="1">\
            <stop offset="0" stop-color="\(p.backgroundTop.hex)"/><stop offset="1" stop-color="\(p.backgroundBottom.hex)"/></linearGradient>\
            <radialGradient id="glow"><stop offset="0" stop-color="\(p.highlight.hex)" stop-opacity="0.85"/>\
            <stop offset="1" stop-color="\(p.highlight.hex)" stop-opacity="0"/></radialGradient>\
            <radialGradient id="vignette" r="0.75"><stop offset="0.55" stop-color="#000" stop-opacity="0"/>\
            <stop offset="1" stop-color="\(p.shadow.hex)" stop-opacity="0.7"/></radialGradient>\
            <linearGradient id="product" x1="0" y1="0" x2="1" y2="1">\
            <stop offset="0" stop-color="\(body.shifted(0.14).hex)"/><stop offset="0.55" stop-color="\(body.hex)"/>\
            <stop offset="1" stop-color="\(body.shifted(-0.16).hex)"/></linearGradient>
            """
        let whole = "x=\"0\" y=\"0\" width=\"\(request.width)\" height=\"\(request.height)\""

        // The ground and what lies on it, under the product's shadow.
        switch style {
        case .photo, .cinematic, .minimal, .playful:
            scene.soft("<rect \(whole) fill=\"url(#bg)\"/>")
        case .illustration, .bold:
            scene.ground = p.backgroundTop.hex
        case .luxury:
            scene.ground = p.shadow.shifted(0.04).hex
        }
        switch style {
        case .photo, .cinematic:
            // A broad wash of the second colour somewhere in the frame, then the light.
            scene.soft(
                softDisc(
                    width * (0.1 + random() * 0.8), height * (0.1 + random() * 0.8),
                    radius: unit * (0.3 + random() * 0.2),
                    blur: softer, colour: p.secondary.with(lightness: 0.6).hex, opacity: 0.35, id: "wash"))
            scene.soft(circle(lightX, lightY, unit * (composition.silhouette ? 0.8 : 0.55), fill: "url(#glow)"))
            if composition.overhead {
                // Seen from above: a pool of light on the table top instead of a horizon.
                scene.soft(
                    softDisc(
                        focusX, focusY, radius: size * 0.9, blur: softer, colour: p.highlight.hex, opacity: 0.35,
                        id: "pool"))
            } else {
                scene.soft(
                    softFloor(
                        top: horizon, blur: soft, colour: p.backgroundBottom.shifted(-0.08).hex, opacity: 0.55,
                        id: "floor"))
            }
            for index in 0..<4 {
                scene.soft(
                    softDisc(
                        random() * width, random() * height * 0.6, radius: unit * (0.04 + random() * 0.08),
                        blur: softer, colour: p.highlight.hex, opacity: 0.12 + random() * 0.15, id: "bokeh\(index)"))
            }
            if style == .cinematic {
                scene.soft(
                    softDisc(
                        focusX + size * 0.45, focusY - size * 0.2, radius: size * 0.5, blur: softer,
                        colour: p.secondary.hex, opacity: 0.35, id: "haze"))
            }
        case .illustration:
            scene.sharp(circle(lightX, lightY, unit * 0.16, fill: p.highlight.shifted(-0.05).hex))
            for _ in 0..<5 {
                scene.sharp(
                    circle(
                        random() * width, horizon + height * (random() - 0.15) * 0.5, unit * (0.18 + random() * 0.25),
                        fill: pick([
                            p.backgroundBottom.hex, p.secondary.with(lightness: 0.6).hex,
                            p.backgroundTop.shifted(-0.08).hex,
                        ])))
            }
        case .bold:
            // Stripes across the frame, their angle and place the prompt's own.
            let start = (random() - 0.5) * unit * 0.8
            let run = width * (random() < 0.5 ? 1 : -1)
            let from = run > 0 ? 0.0 : width
            for index in 0..<3 {
                let offset = from + start + Double(index) * unit * 0.32 - unit * 0.2
                scene.sharp(
                    "<polygon points=\"\(f(offset)),\(f(height)) \(f(offset + unit * 0.16)),\(f(height)) \(f(offset + run)),0 \(f(offset + run - unit * 0.16)),0\" fill=\"\(p.secondary.hex)\" opacity=\"0.5\"/>"
                )
            }
        case .luxury:
            let beam = [
                (focusX - unit * 0.08, 0.0), (focusX + unit * 0.08, 0.0), (focusX + size * 0.9, height),
                (focusX - size * 0.9, height),
            ].map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
            scene.soft(
                blurred(
                    "<polygon points=\"\(beam)\" fill=\"url(#glow)\" opacity=\"0.5\"/>", blur: soft,
                    within: (0, 0, width, height), id: "beam"))
        case .minimal:
            // One large quiet disc, a studio backdrop the prompt places.
            scene.sharp(
                circle(
                    width * (0.15 + random() * 0.7), height * (0.15 + random() * 0.5), unit * (0.25 + random() * 0.15),
                    fill: p.backgroundBottom.hex, opacity: 0.3))
        case .playful:
            scene.soft(
                softDisc(
                    width * (0.1 + random() * 0.8), height * (0.1 + random() * 0.8),
                    radius: unit * (0.25 + random() * 0.2),
                    blur: soft, colour: p.secondary.hex, opacity: 0.45, id: "blob"))
        }

        // Composite mode's prompts ask for the setting alone: adgen sets the real product in later, with a shadow
        // of its own. Reference mode's requests carry the product image, painted where the product would be.
        let leavesProductOut = text.contains(Product.sceneDirection.lowercased())
        let referenced = request.references.first { $0.role == .product && !$0.bytes.isEmpty }

        // The product's shadow (seen from above: rounder and cast aside); the vignette goes under the product,
        // which stays clear of it.
        let shadow =
            composition.overhead
            ? (x: focusX + size * 0.08, y: focusY + size * 0.08, rx: size * 0.5, ry: size * 0.34)
            : (x: focusX, y: focusY + size * 0.36, rx: size * 0.55, ry: size * 0.08)
        if !leavesProductOut {
            scene.soft(
                blurred(
                    "<ellipse cx=\"\(f(shadow.x))\" cy=\"\(f(shadow.y))\" rx=\"\(f(shadow.rx))\" ry=\"\(f(shadow.ry))\" fill=\"\(p.shadow.hex)\" opacity=\"0.45\"/>",
                    blur: soft,
                    within: (
                        shadow.x - shadow.rx - 3 * soft, shadow.y - shadow.ry - 3 * soft, 2 * (shadow.rx + 3 * soft),
                        2 * (shadow.ry + 3 * soft)
                    ), id: "shadow"))
        }
        if style == .photo || style == .cinematic || style == .luxury {
            scene.soft("<rect \(whole) fill=\"url(#vignette)\"/>")
        }

        // Sharp details over the ground, then the product.
        if composition.leadingLines {
            // Wedges from the frame's edges narrowing to the product.
            let colour = style == .luxury ? HSL(hue: 44, saturation: 0.7, lightness: 0.55) : p.highlight
            let count = 6
            let turn = random() * 2 * Double.pi
            for index in 0..<count {
                let angle = turn + Double(index) * 2 * Double.pi / Double(count)
                let reach = (width + height)
                let spread = 0.07
                let a = (focusX + cos(angle - spread) * reach, focusY + sin(angle - spread) * reach)
                let b = (focusX + cos(angle + spread) * reach, focusY + sin(angle + spread) * reach)
                scene.sharp(
                    "<polygon points=\"\(f(focusX)),\(f(focusY)) \(f(a.0)),\(f(a.1)) \(f(b.0)),\(f(b.1))\" fill=\"\(colour.hex)\" opacity=\"0.3\"/>"
                )
            }
        }
        switch style {
        case .cinematic:
            scene.sharp(
                "<rect width=\"100%\" height=\"\(f(height * 0.12))\" fill=\"\(p.shadow.hex)\" opacity=\"0.55\"/>")
            scene.sharp(
                "<rect y=\"\(f(height * 0.88))\" width=\"100%\" height=\"\(f(height * 0.12))\" fill=\"\(p.shadow.hex)\" opacity=\"0.55\"/>"
            )
        case .minimal where !leavesProductOut:
            // The line of the shelf the product stands on (left out with the product: adgen sets its own shadow).
            scene.sharp(
                "<rect x=\"\(f(focusX - size * 0.75))\" y=\"\(f(focusY + size * 0.34))\" width=\"\(f(size * 1.5))\" height=\"\(f(unit * 0.004 + 1))\" fill=\"\(p.shadow.hex)\" opacity=\"0.35\"/>"
            )
        case .luxury:
            let gold = HSL(hue: 44, saturation: 0.7, lightness: 0.55).hex
            for index in 1...3 {
                scene.sharp(
                    "<circle cx=\"\(f(focusX))\" cy=\"\(f(focusY))\" r=\"\(f(size * (0.55 + Double(index) * 0.18)))\" fill=\"none\" stroke=\"\(gold)\" stroke-width=\"\(f(unit * 0.003 + 1))\" opacity=\"\(f(0.5 / Double(index)))\"/>"
                )
            }
        case .playful:
            for _ in 0..<28 {
                let colour = pick([p.accent, p.secondary, p.highlight.shifted(-0.2), p.backgroundBottom]).hex
                let x = random() * width
                let y = random() * height
                if random() < 0.5 {
                    scene.sharp(circle(x, y, unit * (0.01 + random() * 0.03), fill: colour, opacity: 0.9))
                } else {
                    scene.sharp(
                        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(unit * 0.05))\" height=\"\(f(unit * 0.018))\" rx=\"\(f(unit * 0.009))\" fill=\"\(colour)\" transform=\"rotate(\(f(random() * 180)) \(f(x)) \(f(y)))\"/>"
                    )
                }
            }
        case .photo, .illustration, .bold, .minimal:
            break
        }
        let outline = style == .bold || style == .illustration ? " stroke=\"\(p.shadow.hex)\" stroke-width=\"2.2\"" : ""
        let turn = composition.tilt == 0 ? "" : " rotate(\(f(composition.tilt)) \(f(focusX)) \(f(focusY)))"
        if let referenced, let (width, height) = Self.pixelSize(of: referenced) {
            // The model's rendition of the product: the reference image in the product's place, standing on its
            // shadow, its proportions kept.
            let fit = min(size * 1.1 / Double(width), size * 0.95 / Double(height))
            let (w, h) = (Double(width) * fit, Double(height) * fit)
            scene.sharp(
                "<image x=\"\(f(focusX - w / 2))\" y=\"\(f(focusY + size * 0.4 - h))\" width=\"\(f(w))\" height=\"\(f(h))\" preserveAspectRatio=\"none\" href=\"\(referenced.dataURL)\"/>"
            )
        } else if !leavesProductOut {
            scene.sharp(
                "<g transform=\"\(turn) translate(\(f(focusX - size * 0.5)) \(f(focusY - size * 0.55))) scale(\(f(size / 100)))\">"
                    + subjectShapes(outline: outline) + "</g>")
        }
        if composition.foregroundFrame {
            // Blurred dark shapes close to the camera, low in the frame on either side of the product.
            let reach = unit * (0.26 + random() * 0.1)
            let sides = [
                (min(focusX - size * 0.6, width * 0.25) - reach, height * (0.9 + random() * 0.2), 1.0),
                (max(focusX + size * 0.6, width * 0.75) + reach, height * (0.75 + random() * 0.35), 0.75),
            ]
            for (index, side) in sides.enumerated() {
                scene.soft(
                    softDisc(
                        side.0, side.1, radius: reach * 1.6 * side.2, blur: softer, colour: p.shadow.hex,
                        opacity: 0.85, id: "near\(index)"))
            }
        }
        return scene
    }

    /// The pixel size of a reference image; nil when it cannot be decoded.
    static func pixelSize(of reference: ReferenceImage) -> (Int, Int)? {
        guard let image = try? Image.decode(reference.bytes) else { return nil }
        return (image.width, image.height)
    }

    /// The subject in a 100 × 100 box (feet at y ≈ 90).
    func subjectShapes(outline: String) -> String {
        let p = palette
        let detail = p.secondary.hex
        let light = p.highlight.hex
        switch subject {
        case .shoe:
            return """
                <path d="M8,70 C8,58 20,53 31,50 L46,36 C52,30 60,30 64,37 L70,46 C81,48 92,54 94,64 L94,72 L8,72 Z" fill="url(#product)"\(outline)/>\
                <path d="M6,72 L96,72 C96,80 92,84 86,84 L14,84 C9,84 6,80 6,72 Z" fill="\(detail)"\(outline)/>\
                <path d="M47,42 L56,50 M51,38 L60,46 M43,46 L52,54" stroke="\(light)" stroke-width="2.4" stroke-linecap="round"/>\
                <path d="M20,60 C40,56 62,58 88,62" stroke="\(light)" stroke-width="2" opacity="0.6" fill="none"/>
                """
        case .bottle:
            return """
                <rect x="33" y="32" width="34" height="58" rx="9" fill="url(#product)"\(outline)/>\
                <rect x="42" y="20" width="16" height="14" fill="\(p.accent.shifted(-0.1).hex)"\(outline)/>\
                <rect x="39" y="6" width="22" height="16" rx="4" fill="\(detail)"\(outline)/>\
                <rect x="38" y="52" width="24" height="22" rx="2" fill="\(light)" opacity="0.85"/>\
                <rect x="37" y="36" width="5" height="48" rx="2.5" fill="#FFFFFF" opacity="0.35"/>
                """
        case .cup:
            return """
                <ellipse cx="50" cy="92" rx="40" ry="6" fill="\(detail)"\(outline)/>\
                <circle cx="78" cy="60" r="11" fill="none" stroke="\(p.accent.shifted(-0.1).hex)" stroke-width="6"/>\
                <path d="M22,40 L78,40 L72,86 C71,90 67,92 63,92 L37,92 C33,92 29,90 28,86 Z" fill="url(#product)"\(outline)/>\
                <ellipse cx="50" cy="40" rx="28" ry="5" fill="\(p.accent.shifted(-0.22).hex)"/>\
                <path d="M40,30 C34,22 46,18 40,8 M52,30 C46,22 58,18 52,8 M64,30 C58,22 70,18 64,8" stroke="\(light)" stroke-width="2.5" fill="none" opacity="0.7" stroke-linecap="round"/>
                """
        case .phone:
            return """
                <rect x="27" y="4" width="46" height="90" rx="9" fill="\(p.shadow.shifted(0.08).hex)"\(outline)/>\
                <rect x="30" y="10" width="40" height="78" rx="5" fill="url(#product)"/>\
                <rect x="35" y="18" width="30" height="12" rx="3" fill="\(light)" opacity="0.9"/>\
                <rect x="35" y="36" width="20" height="5" rx="2.5" fill="\(light)" opacity="0.7"/>\
                <rect x="35" y="46" width="26" height="5" rx="2.5" fill="\(light)" opacity="0.5"/>\
                <circle cx="50" cy="74" r="7" fill="\(detail)"/>
                """
        case .jacket:
            return """
                <path d="M30,14 L42,9 L50,18 L58,9 L70,14 L92,42 L82,52 L72,42 L72,92 L28,92 L28,42 L18,52 L8,42 Z" fill="url(#product)"\(outline)/>\
                <path d="M50,18 L50,92" stroke="\(detail)" stroke-width="2.5"/>\
                <path d="M42,9 C44,2 56,2 58,9" fill="\(p.accent.shifted(-0.15).hex)"\(outline)/>\
                <rect x="33" y="56" width="11" height="3" rx="1.5" fill="\(light)" opacity="0.7"/>
                """
        case .pebble:
            return """
                <ellipse cx="50" cy="58" rx="40" ry="32" fill="url(#product)"\(outline)/>\
                <ellipse cx="38" cy="44" rx="14" ry="7" fill="#FFFFFF" opacity="0.35"/>
                """
        }
    }

    func circle(_ x: Double, _ y: Double, _ radius: Double, fill: String, opacity: Double = 1) -> String {
        "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(radius))\" fill=\"\(fill)\" opacity=\"\(f(opacity))\"/>"
    }

    /// A number for SVG: fixed precision, the same text on every machine.
    func f(_ value: Double) -> String { String(format: "%.2f", value) }
}
