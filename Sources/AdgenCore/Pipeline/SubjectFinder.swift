import AdgenImaging

/// Finds a picture's subject when adgen did not place it (the model drew the product from a reference image): the
/// region of libvips' attention measure around its peak.
enum SubjectFinder {
    /// The share of the peak's score a cell needs to belong to the subject. The measure peaks sharply on the
    /// subject's strongest edge, so a low share takes in the rest of it; the flat backdrop around scores 0.
    static let threshold: Float = 0.12

    /// The box, in the picture's pixels, of the cells connected (with their diagonals) to the attention peak that
    /// score at least `threshold` of it; nil when the picture has no attention peak (a flat picture).
    static func box(in picture: Image) throws -> PixelBox? {
        let scores = try picture.attentionGrid()
        let side = 32
        guard let peak = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[peak] > 0 else { return nil }
        let floor = scores[peak] * threshold
        var seen = [Bool](repeating: false, count: scores.count)
        var stack = [peak]
        seen[peak] = true
        var (left, top, right, bottom) = (side, side, 0, 0)
        while let cell = stack.popLast() {
            let (x, y) = (cell % side, cell / side)
            (left, top, right, bottom) = (min(left, x), min(top, y), max(right, x), max(bottom, y))
            for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)] {
                let (nx, ny) = (x + dx, y + dy)
                guard (0..<side).contains(nx), (0..<side).contains(ny) else { continue }
                let next = ny * side + nx
                if !seen[next], scores[next] >= floor {
                    seen[next] = true
                    stack.append(next)
                }
            }
        }
        let cellWidth = Double(picture.width) / Double(side)
        let cellHeight = Double(picture.height) / Double(side)
        let x = Int(Double(left) * cellWidth)
        let y = Int(Double(top) * cellHeight)
        return PixelBox(
            x: x, y: y, width: Int((Double(right + 1) * cellWidth).rounded()) - x,
            height: Int((Double(bottom + 1) * cellHeight).rounded()) - y)
    }
}
