/// The main colours of an image and how much of it each covers: k-means in CIELAB over a small sample of its
/// pixels, started deterministically (the same image always gives the same palette).
public struct DominantColor: Sendable, Hashable, Codable {
    /// The cluster's centre.
    public var lab: LabColor
    /// Its share of the pixels, 0…1.
    public var share: Double
    /// The nearest named colour.
    public var name: String

    /// The dominant colours of `raster`, largest first.
    static func of(_ raster: Raster, clusters k: Int = 5, iterations: Int = 8) -> [DominantColor] {
        // A sample of at most ~4,096 pixels on a regular grid.
        let step = max(1, Int((Double(raster.red.count) / 4096).squareRoot().rounded(.up)))
        var points = [LabColor]()
        for y in stride(from: step / 2, to: raster.height, by: step) {
            for x in stride(from: step / 2, to: raster.width, by: step) {
                let i = y * raster.width + x
                points.append(
                    LabColor(red: Double(raster.red[i]), green: Double(raster.green[i]), blue: Double(raster.blue[i])))
            }
        }
        guard !points.isEmpty else { return [] }
        // Start from lightness quantiles: deterministic and spread over the image's tones.
        let byLightness = points.sorted { $0.l < $1.l }
        var centres = (0..<k).map {
            byLightness[min(byLightness.count - 1, (2 * $0 + 1) * byLightness.count / (2 * k))]
        }
        var assignment = [Int](repeating: 0, count: points.count)
        for _ in 0..<iterations {
            for (index, point) in points.enumerated() {
                var best = 0
                var bestDistance = Double.infinity
                for (c, centre) in centres.enumerated() {
                    let (dl, da, db) = (point.l - centre.l, point.a - centre.a, point.b - centre.b)
                    let distance = dl * dl + da * da + db * db
                    if distance < bestDistance {
                        bestDistance = distance
                        best = c
                    }
                }
                assignment[index] = best
            }
            var sums = [(l: Double, a: Double, b: Double, n: Double)](repeating: (0, 0, 0, 0), count: k)
            for (index, point) in points.enumerated() {
                let c = assignment[index]
                sums[c].l += point.l
                sums[c].a += point.a
                sums[c].b += point.b
                sums[c].n += 1
            }
            for c in 0..<k where sums[c].n > 0 {
                centres[c] = LabColor(l: sums[c].l / sums[c].n, a: sums[c].a / sums[c].n, b: sums[c].b / sums[c].n)
            }
        }
        var counts = [Double](repeating: 0, count: k)
        for c in assignment { counts[c] += 1 }
        // Merge centres that ended on the same colour (a flat image gives one colour, not five).
        var colours = [DominantColor]()
        for c in 0..<k where counts[c] > 0 {
            let share = counts[c] / Double(points.count)
            if let twin = colours.firstIndex(where: { $0.lab.difference(to: centres[c]) < 2 }) {
                colours[twin].share += share
            } else {
                colours.append(DominantColor(lab: centres[c], share: share, name: NamedColor.nearest(to: centres[c])))
            }
        }
        return colours.sorted { $0.share > $1.share }
    }
}

/// A small table of colour names for tags, matched in Lab.
enum NamedColor {
    static let table: [(name: String, lab: LabColor)] = [
        ("black", "#000000"), ("charcoal", "#36454F"), ("grey", "#808080"), ("silver", "#C0C0C0"),
        ("white", "#FFFFFF"), ("cream", "#F5F0DC"), ("beige", "#D8C8A8"), ("tan", "#C09060"),
        ("brown", "#6B4226"), ("maroon", "#800000"), ("red", "#D02020"), ("coral", "#FF7F50"),
        ("orange", "#FF8C00"), ("gold", "#E0B020"), ("yellow", "#FFE135"), ("olive", "#708030"),
        ("lime", "#A0E040"), ("green", "#2E8B3A"), ("teal", "#008080"), ("cyan", "#30D0E0"),
        ("sky blue", "#87CEEB"), ("blue", "#2050D0"), ("navy", "#1A2650"), ("indigo", "#4B2A90"),
        ("purple", "#8040A0"), ("lavender", "#B8A8E0"), ("magenta", "#D030A0"), ("pink", "#F4A0C0"),
    ].map { ($0.0, LabColor(hex: $0.1)!) }

    static func nearest(to colour: LabColor) -> String {
        table.min { $0.lab.difference(to: colour) < $1.lab.difference(to: colour) }!.name
    }
}
