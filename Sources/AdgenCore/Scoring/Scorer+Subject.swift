import AdgenImaging

extension Scorer {
    /// The subject checks: `subject_clear`, `subject_visible` and (for a product adgen set) `product_fidelity`;
    /// skipped, with the reason, when the creative has no subject.
    func subjectChecks(_ input: Input) throws -> [Scorecard.Check] {
        guard let subject = input.subject else {
            let reason = "no product in the campaign: subject checks skipped"
            return Self.subjectCheckNames.map { Scorecard.Check.skipped($0, reason) }
        }
        var checks = [Scorecard.Check]()
        if let boxes = input.boxes {
            checks.append(subjectClear(subject, boxes: boxes))
        } else {
            checks.append(.skipped("subject_clear", "no layout boxes (an image made elsewhere)"))
        }
        checks.append(subjectVisible(subject, size: input.size, width: input.image.width, height: input.image.height))
        if let product = subject.product {
            checks.append(try productFidelity(product, image: input.image))
        } else {
            checks.append(.skipped("product_fidelity", "the product was drawn by the model (reference mode)"))
        }
        return checks
    }

    /// The subject checks' names, in the order scorecards list them.
    static let subjectCheckNames = ["subject_clear", "subject_visible", "product_fidelity"]

    /// The share of the subject's box that text, buttons and logos (with their clear space) cover.
    func subjectClear(_ subject: CreativeSubject, boxes: [LayoutBox]) -> Scorecard.Check {
        let limit = configuration.subjectCoverLimit
        let covered = LayoutCanvas.coveredShare(of: subject.box, by: boxes)
        let over = boxes.filter { box in
            LayoutCanvas.coveredShare(of: subject.box, by: [box]) > 0
        }.map(\.role)
        let what = subject.product == nil ? "the subject" : "the product"
        return Scorecard.Check(
            name: "subject_clear", value: covered, threshold: limit, passed: covered <= limit,
            score: covered <= limit ? 1 : max(0, 1 - covered * 2),
            reason: covered == 0
                ? "no copy on \(what)"
                : "\(Self.percent(covered)) of \(what) under \(Array(Set(over)).sorted().joined(separator: ", "))")
    }

    /// The subject is inside the frame and big enough to read at this size.
    func subjectVisible(_ subject: CreativeSubject, size: AdSize, width: Int, height: Int) -> Scorecard.Check {
        let frame = PixelBox(x: 0, y: 0, width: width, height: height)
        let inside = subject.box.intersection(frame)?.area ?? 0
        // A box the model's subject fills to the edge of the picture is cut by the frame; the product adgen set is
        // cut only when part of it lies outside.
        let touches =
            subject.box.x <= 0 || subject.box.y <= 0 || subject.box.x + subject.box.width >= width
            || subject.box.y + subject.box.height >= height
        let cut = subject.product == nil ? touches : inside < subject.box.area
        let share = Double(inside) / Double(max(1, width * height))
        let minimum = Self.minimumSubjectShare(width: width, height: height)
        let passed = !cut && share >= minimum
        let reason: String
        if cut {
            reason = "the subject is cut by the frame"
        } else if share < minimum {
            reason = "the subject covers \(Self.percent(share)) of the creative, under \(Self.percent(minimum))"
        } else {
            reason = "the subject covers \(Self.percent(share)) of the creative"
        }
        return Scorecard.Check(
            name: "subject_visible", value: share, threshold: minimum, passed: passed,
            score: cut ? 0.3 : min(1, share / minimum), reason: reason)
    }

    /// The least share of the creative the subject should cover: 4 % on banners and towers (mostly copy by
    /// design), 8 % on other shapes.
    static func minimumSubjectShare(width: Int, height: Int) -> Double {
        let aspect = Double(width) / Double(max(1, height))
        return aspect >= 2.9 || aspect <= 0.52 || height <= 100 ? 0.04 : 0.08
    }

    /// The product's region of the final file against the cutout as it was set: the mean difference of their
    /// opaque pixels, both resized to the print's small square (the file's compression and the rim adgen tints
    /// are left out of it; a recoloured, replaced or covered product is not).
    func productFidelity(_ product: SetProduct, image: Image) throws -> Scorecard.Check {
        let limit = configuration.productDifferenceLimit
        let frame = PixelBox(x: 0, y: 0, width: image.width, height: image.height)
        guard product.box.intersection(frame) == product.box else {
            return Scorecard.Check(
                name: "product_fidelity", value: 1, threshold: limit, passed: false, score: 0,
                reason: "the product's box reaches outside the creative")
        }
        let side = ProductCutout.printSide
        let region = try image.cropped(
            x: product.box.x, y: product.box.y, width: product.box.width, height: product.box.height
        ).resized(width: side, height: side).pixelBytes()
        let bands = region.count / (side * side)
        var total = 0
        var count = 0
        for pixel in 0..<(side * side) where product.print[pixel * 4 + 3] >= 250 {
            for band in 0..<3 {
                total += abs(Int(region[pixel * bands + min(band, bands - 1)]) - Int(product.print[pixel * 4 + band]))
            }
            count += 3
        }
        guard count > 0 else { return .skipped("product_fidelity", "the product has no opaque pixels to compare") }
        let difference = Double(total) / Double(count) / 255
        let passed = difference <= limit
        return Scorecard.Check(
            name: "product_fidelity", value: difference, threshold: limit, passed: passed,
            score: passed ? 1 : max(0, 1 - (difference - limit) * 5),
            reason: passed
                ? "the product's pixels match the cutout (mean difference \(Self.percent(difference)))"
                : "the product's pixels differ from the cutout by \(Self.percent(difference)) on average")
    }

    static func percent(_ share: Double) -> String {
        share < 0.1 && share > 0 ? String(format: "%.1f%%", share * 100) : "\(Int((share * 100).rounded()))%"
    }
}
