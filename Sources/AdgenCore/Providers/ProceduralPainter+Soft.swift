import Foundation

/// Soft shapes: blurred discs and edges painted with gradients whose stops follow the profile of a Gaussian
/// blur (smooth at any size, and as cheap as a flat fill), and other shapes blurred by a filter.
extension ProceduralPainter {
    /// Stops per soft gradient: enough that the straight segments between them do not show.
    static let softStops = 16

    /// A disc of `radius` centred at `x, y`, blurred by `blur` (the Gaussian's standard deviation), in `colour`
    /// at `opacity`.
    func softDisc(
        _ x: Double, _ y: Double, radius: Double, blur: Double, colour: String, opacity: Double, id: String
    ) -> SoftShape {
        let extent = radius + 3 * blur
        return SoftShape(
            defs: radialGradient(id: id, colour: colour) { t in
                opacity * Self.blurredDisc(at: t * extent, radius: radius, blur: blur)
            },
            element: "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(extent))\" fill=\"url(#\(id))\"/>")
    }

    /// A band from `top` to the bottom of the picture, its top edge blurred by `blur`.
    func softFloor(top: Double, blur: Double, colour: String, opacity: Double, id: String) -> SoftShape {
        let start = top - 3 * blur
        let end = top + 3 * blur
        return SoftShape(
            defs: linearGradient(id: id, from: (0, start), to: (0, end), colour: colour) { t in
                opacity * Self.normalCDF((start + t * (end - start) - top) / blur)
            },
            element:
                "<rect x=\"0\" y=\"\(f(start))\" width=\"\(request.width)\" height=\"\(f(Double(request.height) - start))\" fill=\"url(#\(id))\"/>"
        )
    }

    /// `element` blurred by `blur` (a Gaussian's standard deviation), its blur drawn within `x, y, width,
    /// height`. Only for a soft layer: at full size librsvg's blur costs tens of milliseconds a shape, but a soft
    /// layer has 64 times fewer pixels than the picture.
    func blurred(
        _ element: String, blur: Double, within area: (x: Double, y: Double, width: Double, height: Double),
        id: String
    ) -> SoftShape {
        SoftShape(
            defs:
                "<filter id=\"\(id)\" color-interpolation-filters=\"sRGB\" filterUnits=\"userSpaceOnUse\" x=\"\(f(area.x))\" y=\"\(f(area.y))\" width=\"\(f(area.width))\" height=\"\(f(area.height))\"><feGaussianBlur stdDeviation=\"\(f(blur))\"/></filter>",
            element: "<g filter=\"url(#\(id))\">\(element)</g>")
    }

    /// A radial gradient `id` (object bounding box) whose opacity at radius fraction t is `opacity(t)`; the last
    /// stop is clear, so the shape's outline never shows.
    func radialGradient(id: String, colour: String, opacity: (Double) -> Double) -> String {
        "<radialGradient id=\"\(id)\">\(stops(colour: colour) { $0 < 1 ? opacity($0) : 0 })</radialGradient>"
    }

    /// A linear gradient `id` between two points of the picture whose opacity at fraction t is `opacity(t)`.
    func linearGradient(
        id: String, from start: (x: Double, y: Double), to end: (x: Double, y: Double), colour: String,
        opacity: (Double) -> Double
    ) -> String {
        "<linearGradient id=\"\(id)\" gradientUnits=\"userSpaceOnUse\" x1=\"\(f(start.x))\" y1=\"\(f(start.y))\" x2=\"\(f(end.x))\" y2=\"\(f(end.y))\">\(stops(colour: colour, opacity: opacity))</linearGradient>"
    }

    func stops(colour: String, opacity: (Double) -> Double) -> String {
        (0...Self.softStops).map { index in
            let t = Double(index) / Double(Self.softStops)
            let alpha = min(1, max(0, opacity(t)))
            return
                "<stop offset=\"\(f(t))\" stop-color=\"\(colour)\" stop-opacity=\"\(String(format: "%.3f", alpha))\"/>"
        }.joined()
    }

    /// The opacity at `distance` from the centre of a disc of `radius` blurred by a Gaussian of deviation
    /// `blur`: the Gaussian integrated over the disc one chord at a time (each chord's share is an erf).
    static func blurredDisc(at distance: Double, radius: Double, blur: Double) -> Double {
        let samples = 96
        let step = 2 * radius / Double(samples)
        var sum = 0.0
        for index in 0..<samples {
            let x = -radius + (Double(index) + 0.5) * step
            let offset = (x - distance) / blur
            let chord = (radius * radius - x * x).squareRoot()
            sum += exp(-offset * offset / 2) * erf(chord / (blur * 2.0.squareRoot()))
        }
        return sum * step / (blur * (2 * Double.pi).squareRoot())
    }

    /// The standard normal distribution function: how much of a blurred edge shows `z` deviations inside it.
    static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
}
