import AdgenImaging
import Foundation

/// Scores a final creative on its pixels — spec, legibility, safe zone, text coverage, sharpness,
/// colourfulness, brand fit — and tags it; `markNearDuplicates` adds novelty across a batch. Each check records
/// its value, threshold, verdict and a one-line reason. The image is decoded once and every check reads one
/// shared downsampled raster.
public struct Scorer: Sendable {
    /// Weights and thresholds.
    public struct Configuration: Sendable {
        /// Weights by check name (`spec` is a gate, not weighted). The campaign's `scoring.weights` override these.
        public var weights: [String: Double] = Scorer.defaultWeights
        /// The longest the working raster's long side may be (it is the image box-filtered by a whole factor).
        public var workingSide = 512
        /// Creatives of one size and copy whose hashes differ in at most this many bits are near-duplicates.
        /// Measured on the pHash fixtures (`docs/scoring.md`): recompressed, resized or slightly cropped copies
        /// differ by at most 4 bits, different pictures by at least 12.
        public var duplicateDistance = 8
        /// Sharpness: the Laplacian variance (luma, at the working resolution) that scores 1.
        public var sharpnessThreshold = 100.0
        /// Colourfulness that scores 1 (Hasler–Süsstrunk "moderately colourful").
        public var colourfulnessThreshold = 33.0
        /// Share of the canvas text may cover before it is flagged.
        public var textCoverageLimit = 0.20
        /// The same for banners (3:1 and wider, or at most 100 px tall), which are mostly copy by design.
        public var bannerTextCoverageLimit = 0.45
        /// Brand fit: the share of dominant-colour mass near a brand colour that scores 1.
        public var brandFitThreshold = 0.20
        /// ΔE2000 under which a colour counts as a brand colour.
        public var brandColorDistance = 10.0
        /// `subject_clear`: the share of the subject copy may cover before it fails.
        public var subjectCoverLimit = 0.02
        /// `product_fidelity`: the mean difference (0…1) of the product's opaque pixels from the cutout's that
        /// fails. Measured on the example campaigns: JPEG at quality 85 and the resize stay under 2 %.
        public var productDifferenceLimit = 0.06

        /// The defaults.
        public init() {}

        /// The defaults with `weights` merged in.
        public init(weights: [String: Double]) {
            self.weights.merge(weights) { _, new in new }
        }
    }

    /// The documented default weights.
    public static let defaultWeights: [String: Double] = [
        "legibility": 0.30, "safe_zone": 0.15, "text_coverage": 0.10, "sharpness": 0.15, "colourfulness": 0.10,
        "brand_fit": 0.10, "novelty": 0.10, "subject_clear": 0.15, "subject_visible": 0.05, "product_fidelity": 0.05,
    ]

    /// The check names, in the order scorecards list them.
    public static let checkNames =
        [
            "spec", "legibility", "safe_zone", "text_coverage", "sharpness", "colourfulness", "brand_fit", "novelty",
        ] + subjectCheckNames

    /// What a creative is scored on.
    public struct Input: Sendable {
        /// The final pixels.
        public var image: Image
        /// The size it was made for.
        public var size: AdSize
        /// The encoded file's length and format, when it was encoded.
        public var bytes: Int?
        public var format: ImageFormat?
        /// The layout's text and logo boxes; nil when unknown (an image made elsewhere): text checks are skipped.
        public var boxes: [LayoutBox]?
        /// Brand colours, `#RRGGBB`.
        public var brandColors: [String] = []
        /// Extra tags: axis values, text-fit events, provider, model, seed.
        public var tags: [String] = []
        /// The picture's subject as the layout placed or found it; nil without a product: subject checks skipped.
        public var subject: CreativeSubject?

        /// Creates an input.
        public init(
            image: Image, size: AdSize, bytes: Int? = nil, format: ImageFormat? = nil, boxes: [LayoutBox]? = nil,
            brandColors: [String] = [], tags: [String] = [], subject: CreativeSubject? = nil
        ) {
            self.subject = subject
            self.image = image
            self.size = size
            self.bytes = bytes
            self.format = format
            self.boxes = boxes
            self.brandColors = brandColors
            self.tags = tags
        }
    }

    /// The settings.
    public var configuration: Configuration

    /// An encoded creative, decoded once (refused over the decoder's pixel limit); its format comes from its
    /// signature.
    public func input(
        encoded bytes: [UInt8], size: AdSize, boxes: [LayoutBox]? = nil, brandColors: [String] = [],
        tags: [String] = [], subject: CreativeSubject? = nil
    ) throws -> Input {
        Input(
            image: try Image.decode(bytes), size: size, bytes: bytes.count, format: ImageFormat.detect(bytes),
            boxes: boxes, brandColors: brandColors, tags: tags, subject: subject)
    }

    /// Creates a scorer.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Scores one creative (novelty is skipped until `markNearDuplicates` sees the batch).
    public func score(_ input: Input) throws -> Scorecard {
        try score(input) { _, _ in }
    }

    /// The stages of `score(_:stage:)`, in the order they run.
    public enum Stage: String, Sendable, CaseIterable {
        /// Reading the decoded pixels out of the image.
        case pixels
        /// One pass over the pixels: the grey plane for the hash and the box-filtered working raster.
        case planes
        /// The perceptual hash: the grey plane resampled to 32×32 and its DCT.
        case phash
        case legibility
        case safeZone = "safe_zone"
        case textCoverage = "text_coverage"
        case sharpness
        case colourfulness
        /// The dominant colours (k-means in Lab) and the brand fit.
        case brandFit = "brand_fit"
        /// `subject_clear`, `subject_visible`, `product_fidelity`.
        case subject
        /// The tags and the scorecard.
        case tags
    }

    /// Scores one creative, calling `stage` with each stage's duration as it finishes: where the time goes
    /// (`Benchmarks/run-scoring.sh`).
    public func score(_ input: Input, stage: (Stage, Duration) -> Void) throws -> Scorecard {
        let clock = ContinuousClock()
        var mark = clock.now
        func finished(_ finishedStage: Stage) {
            let now = clock.now
            stage(finishedStage, now - mark)
            mark = now
        }
        let image = input.image
        // One read of the pixels: the hash from all of them, every other check from a box-filtered copy whose
        // long side is at most `workingSide`.
        let pixels = try image.pixelBytes()
        finished(.pixels)
        let shrink = (max(image.width, image.height) + configuration.workingSide - 1) / configuration.workingSide
        var working: Raster?
        let grey = [UInt8](unsafeUninitializedCapacity: image.width * image.height) { grey, count in
            working = pixels.withUnsafeBufferPointer { buffer in
                Raster(
                    pixels: buffer, width: image.width, height: image.height, bands: image.bands, shrink: shrink,
                    grey: grey)
            }
            count = image.width * image.height
        }
        let raster = working!
        finished(.planes)
        let phash = PerceptualHash(grey: grey, width: image.width, height: image.height)
        finished(.phash)
        let factor = (
            x: Double(raster.width) / Double(max(1, image.width)),
            y: Double(raster.height) / Double(max(1, image.height))
        )
        var checks = [spec(input)]
        if let boxes = input.boxes {
            checks.append(legibility(boxes, raster: raster, factor: factor, size: input.size))
            finished(.legibility)
            checks.append(safeZone(boxes, size: input.size, width: image.width, height: image.height))
            finished(.safeZone)
            checks.append(textCoverage(boxes, width: image.width, height: image.height))
            finished(.textCoverage)
        } else {
            let reason = "no layout boxes (an image made elsewhere): text checks skipped"
            checks += ["legibility", "safe_zone", "text_coverage"].map { Scorecard.Check.skipped($0, reason) }
        }
        checks.append(sharpness(raster))
        finished(.sharpness)
        let colourfulness = raster.colourfulness()
        checks.append(colourfulnessCheck(colourfulness))
        finished(.colourfulness)
        let dominant = DominantColor.of(raster)
        checks.append(brandFit(dominant, brandColors: input.brandColors))
        checks.append(.skipped("novelty", "scored against the other creatives of the batch"))
        finished(.brandFit)
        checks += try subjectChecks(input)
        finished(.subject)
        var card = Scorecard(
            checks: checks, total: 0, phash: phash, dominantColors: dominant,
            tags: tags(input, dominant: dominant, raster: raster))
        card.updateTotal(weights: configuration.weights)
        finished(.tags)
        return card
    }

    // MARK: Checks

    func spec(_ input: Input) -> Scorecard.Check {
        let size = input.size
        var problems = [String]()
        if (input.image.width, input.image.height) != (size.width, size.height) {
            problems.append("is \(input.image.width)×\(input.image.height), not \(size.width)×\(size.height)")
        }
        if let bytes = input.bytes, let limit = size.maxBytes, bytes > limit {
            problems.append("\(bytes.groupedDigits) bytes, over the \(limit.groupedDigits)-byte limit")
        }
        let format = input.format.map { " \($0.rawValue.uppercased())" } ?? ""
        let weight = input.bytes.map { ", \($0.groupedDigits) bytes" } ?? ""
        let limit = size.maxBytes.map { " (limit \($0.groupedDigits))" } ?? ""
        return Scorecard.Check(
            name: "spec", value: problems.isEmpty ? 1 : 0, threshold: 1, passed: problems.isEmpty,
            score: problems.isEmpty ? 1 : 0,
            reason: problems.isEmpty
                ? "\(size.width)×\(size.height)\(format)\(weight)\(limit)"
                : problems.joined(separator: "; "))
    }

    /// WCAG contrast of each text layer against the background around it (the 90th luminance percentile under
    /// light text, the 10th under dark text), and its size against the canvas.
    func legibility(_ boxes: [LayoutBox], raster: Raster, factor: (x: Double, y: Double), size: AdSize)
        -> Scorecard.Check
    {
        let texts = boxes.filter { ["headline", "offer", "brand", "cta"].contains($0.role) && $0.color != nil }
        guard !texts.isEmpty else { return .skipped("legibility", "the layout set no text") }
        let minimumSize = max(11, Double(min(size.width, size.height)) * 0.02)
        let channels = raster.wcagChannels()
        var worst: (score: Double, ratio: Double, reason: String)?
        var worstRatio = Double.infinity
        for box in texts {
            guard let colour = RGBA(hex: box.color ?? "") else { continue }
            let ratio = channels.withUnsafeBufferPointer {
                contrast(of: colour, in: box, raster: raster, factor: factor, channels: $0)
            }
            worstRatio = min(worstRatio, ratio)
            let contrastScore = min(1, max(0, (ratio - 1.5) / 3))
            let textSize = Double(box.textSize ?? Int(minimumSize))
            let sizeScore = min(1, textSize / minimumSize)
            let score = contrastScore * sizeScore
            let reason =
                "\(box.role) \(String(format: "%.1f", ratio)):1"
                + (box.textSize.map { " at \($0) px" } ?? "")
                + (sizeScore < 1 ? " (under \(Int(minimumSize)) px)" : "")
            if worst == nil || score < worst!.score { worst = (score, ratio, reason) }
        }
        guard let worst else { return .skipped("legibility", "no text colour recorded") }
        return Scorecard.Check(
            name: "legibility", value: worstRatio, threshold: 4.5, passed: worst.score >= 1, score: worst.score,
            reason: "weakest: \(worst.reason)")
    }

    /// The contrast ratio between `colour` and the background of `box`. Around text, the background is the
    /// margin just outside the text's ink box; a button's is the inside of the button less the pixels near
    /// the label's colour (a fill too close to the label therefore measures 1:1, as it reads).
    func contrast(
        of colour: RGBA, in box: LayoutBox, raster: Raster, factor: (x: Double, y: Double),
        channels: UnsafeBufferPointer<Double>
    ) -> Double {
        let (tr, tg, tb) = (Float(colour.red), Float(colour.green), Float(colour.blue))
        let textLuminance = WCAG.luminance(red: Double(tr), green: Double(tg), blue: Double(tb))
        let inner = (
            x0: Int(Double(box.x) * factor.x), y0: Int(Double(box.y) * factor.y),
            x1: Int((Double(box.x + box.width) * factor.x).rounded(.up)),
            y1: Int((Double(box.y + box.height) * factor.y).rounded(.up))
        )
        let isButton = box.role == "cta"
        let pad = isButton ? 0 : max(2, Int(Double(box.height) * 0.15 * factor.y))
        let x0 = max(0, inner.x0 - pad)
        let y0 = max(0, inner.y0 - pad)
        let x1 = min(raster.width, inner.x1 + pad)
        let y1 = min(raster.height, inner.y1 + pad)
        var background = [Double]()
        func collect(insideToo: Bool) {
            guard x1 > x0, y1 > y0 else { return }
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let inside = x >= inner.x0 && x < inner.x1 && y >= inner.y0 && y < inner.y1
                    let i = y * raster.width + x
                    if inside {
                        guard insideToo else { continue }
                        let (dr, dg, db) = (raster.red[i] - tr, raster.green[i] - tg, raster.blue[i] - tb)
                        guard dr * dr + dg * dg + db * db > 60 * 60 else { continue }
                    }
                    background.append(raster.wcagLuminance(at: i, table: channels))
                }
            }
        }
        collect(insideToo: isButton)
        if background.isEmpty { collect(insideToo: true) }
        guard !background.isEmpty else { return 1 }
        let median = Self.select(background.count / 2, in: &background)
        // A button's fill is one colour: its median. Around text, the background most like the text: its
        // lightest part under light text, its darkest under dark text.
        if isButton { return WCAG.contrast(textLuminance, median) }
        let index = textLuminance > median ? (background.count - 1) * 9 / 10 : (background.count - 1) / 10
        return WCAG.contrast(textLuminance, Self.select(index, in: &background))
    }

    /// The value sorting would put at `k` (0-based) in `values`, which are reordered: quickselect with a median-of-
    /// three pivot and a three-way partition (runs of equal values, as in a flat background, end it quickly).
    static func select(_ k: Int, in values: inout [Double]) -> Double {
        precondition(values.indices.contains(k))
        return values.withUnsafeMutableBufferPointer { v in
            var (low, high) = (0, v.count - 1)
            while low < high {
                let (a, b, c) = (v[low], v[(low + high) / 2], v[high])
                let pivot = max(min(a, b), min(max(a, b), c))
                // [low, less) < pivot, [less, i) == pivot, (greater, high] > pivot.
                var (less, i, greater) = (low, low, high)
                while i <= greater {
                    if v[i] < pivot {
                        v.swapAt(less, i)
                        less += 1
                        i += 1
                    } else if v[i] > pivot {
                        v.swapAt(i, greater)
                        greater -= 1
                    } else {
                        i += 1
                    }
                }
                if k < less {
                    high = less - 1
                } else if k > greater {
                    low = greater + 1
                } else {
                    return pivot
                }
            }
            return v[k]
        }
    }

    func safeZone(_ boxes: [LayoutBox], size: AdSize, width: Int, height: Int) -> Scorecard.Check {
        let zone = size.safeZone
        let (left, top) = (zone.left, zone.top)
        let (right, bottom) = (width - zone.right, height - zone.bottom)
        let outside = boxes.filter { box in
            box.role != "bar"
                && (box.x < left || box.y < top || box.x + box.width > right || box.y + box.height > bottom)
        }
        let placed = boxes.filter { $0.role != "bar" }.count
        return Scorecard.Check(
            name: "safe_zone", value: Double(outside.count), threshold: 0, passed: outside.isEmpty,
            score: outside.isEmpty ? 1 : 0,
            reason: outside.isEmpty
                ? "all \(placed) text and logo boxes inside the safe area"
                : "outside the safe area: \(outside.map(\.role).joined(separator: ", "))")
    }

    func textCoverage(_ boxes: [LayoutBox], width: Int, height: Int) -> Scorecard.Check {
        let texts = boxes.filter { ["headline", "offer", "brand", "cta"].contains($0.role) }
        // The union of the boxes, on a coarse grid (boxes may overlap).
        let cell = max(1, min(width, height) / 200)
        let columns = (width + cell - 1) / cell
        let rows = (height + cell - 1) / cell
        var covered = [Bool](repeating: false, count: columns * rows)
        for box in texts {
            for row in max(0, box.y / cell)..<min(rows, (box.y + box.height + cell - 1) / cell) {
                for column in max(0, box.x / cell)..<min(columns, (box.x + box.width + cell - 1) / cell) {
                    covered[row * columns + column] = true
                }
            }
        }
        let share = Double(covered.count { $0 }) / Double(max(1, covered.count))
        // Banners (3:1 and wider, or at most 100 px tall) are mostly copy by design.
        let isBanner = width >= 3 * height || height <= 100
        let limit = isBanner ? configuration.bannerTextCoverageLimit : configuration.textCoverageLimit
        let score = share <= limit ? 1 : max(0, 1 - (share - limit) / limit)
        return Scorecard.Check(
            name: "text_coverage", value: share, threshold: limit, passed: share <= limit, score: score,
            reason: "text covers \(Int((share * 100).rounded()))% of the canvas"
                + (share > limit ? ", over \(Int(limit * 100))%" : ""))
    }

    func sharpness(_ raster: Raster) -> Scorecard.Check {
        let variance = raster.laplacianVariance()
        let threshold = configuration.sharpnessThreshold
        return Scorecard.Check(
            name: "sharpness", value: variance, threshold: threshold, passed: variance >= threshold,
            score: min(1, variance / threshold),
            reason: "Laplacian variance \(String(format: "%.0f", variance)) at \(raster.width)×\(raster.height)"
                + (variance < threshold ? ": soft or blurred" : ""))
    }

    func colourfulnessCheck(_ value: Double) -> Scorecard.Check {
        let threshold = configuration.colourfulnessThreshold
        let words =
            switch value {
            case ..<15: "not colourful"
            case ..<33: "slightly colourful"
            case ..<45: "moderately colourful"
            case ..<59: "averagely colourful"
            case ..<82: "quite colourful"
            default: "highly colourful"
            }
        return Scorecard.Check(
            name: "colourfulness", value: value, threshold: threshold, passed: value >= threshold,
            score: min(1, value / threshold), reason: "\(words) (M = \(String(format: "%.1f", value)))")
    }

    func brandFit(_ dominant: [DominantColor], brandColors: [String]) -> Scorecard.Check {
        let brand = brandColors.compactMap(LabColor.init(hex:))
        guard !brand.isEmpty else { return .skipped("brand_fit", "the brand has no colours") }
        let near = dominant.filter { colour in
            brand.contains { $0.difference(to: colour.lab) < configuration.brandColorDistance }
        }
        let share = near.reduce(0) { $0 + $1.share }
        let threshold = configuration.brandFitThreshold
        return Scorecard.Check(
            name: "brand_fit", value: share, threshold: threshold, passed: share >= threshold,
            score: min(1, share / threshold),
            reason: near.isEmpty
                ? "no dominant colour within ΔE2000 \(Int(configuration.brandColorDistance)) of a brand colour"
                : "\(Int((share * 100).rounded()))% of the image in brand colours (\(near.map(\.name).joined(separator: ", ")))"
        )
    }

    // MARK: Tags

    func tags(_ input: Input, dominant: [DominantColor], raster: Raster) -> [String] {
        let size = input.size
        let ratio = Double(size.width) / Double(size.height)
        var tags = ["size:\(size.id)", "platform:\(size.platform)", "aspect:\(Self.aspectName(size))"]
        tags.append("orientation:" + (abs(ratio - 1) < 0.02 ? "square" : ratio > 1 ? "landscape" : "portrait"))
        if let format = input.format { tags.append("format:\(format.rawValue)") }
        for colour in dominant.prefix(3) where colour.share >= 0.1 {
            let tag = "colour:\(colour.name)"
            if !tags.contains(tag) { tags.append(tag) }
        }
        let meanLuma = raster.luma.reduce(0, +) / Float(max(1, raster.luma.count))
        tags.append(meanLuma < 128 ? "dark" : "light")
        return tags + input.tags
    }

    /// `1:1`, `9:16`, `1.91:1`…: the size's ratio in small whole numbers when it has them.
    static func aspectName(_ size: AdSize) -> String {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let divisor = gcd(size.width, size.height)
        let (w, h) = (size.width / divisor, size.height / divisor)
        if max(w, h) <= 32 { return "\(w):\(h)" }
        let ratio = Double(size.width) / Double(size.height)
        return ratio >= 1 ? String(format: "%.2g:1", ratio) : String(format: "1:%.2g", 1 / ratio)
    }

    // MARK: The batch

    /// Scores novelty across a batch: creatives with the same key (the same size, and in a campaign the same
    /// copy: headline variants share a picture on purpose) whose hashes are within `duplicateDistance` bits form
    /// a group; the best of each group keeps novelty 1, the others 0 and a `near-duplicate` tag. Returns the
    /// groups of two or more (indices into `cards`, best first).
    @discardableResult
    public func markNearDuplicates(_ cards: inout [Scorecard], keys: [String]) -> [[Int]] {
        precondition(cards.count == keys.count)
        var parent = Array(cards.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var nearest = [Int](repeating: 64, count: cards.count)
        let byKey = Dictionary(grouping: cards.indices, by: { keys[$0] })
        for indices in byKey.values {
            for (n, i) in indices.enumerated() {
                for j in indices[(n + 1)...] {
                    let distance = cards[i].phash.distance(to: cards[j].phash)
                    nearest[i] = min(nearest[i], distance)
                    nearest[j] = min(nearest[j], distance)
                    if distance <= configuration.duplicateDistance { parent[root(i)] = root(j) }
                }
            }
        }
        let groups = Dictionary(grouping: cards.indices, by: root).values.map { group in
            group.sorted { (cards[$0].total, $1) > (cards[$1].total, $0) }
        }
        let threshold = Double(configuration.duplicateDistance)
        for group in groups {
            for (rank, i) in group.enumerated() {
                let isCopy = rank > 0
                let check = Scorecard.Check(
                    name: "novelty", value: Double(nearest[i]), threshold: threshold, passed: !isCopy,
                    score: isCopy ? 0 : 1,
                    reason: nearest[i] == 64
                        ? "no other creative of its size and copy"
                        : isCopy
                            ? "near-duplicate of a better creative (\(nearest[i]) bits apart, ≤ \(configuration.duplicateDistance))"
                            : "nearest other creative of its size and copy is \(nearest[i]) bits away")
                if let index = cards[i].checks.firstIndex(where: { $0.name == "novelty" }) {
                    cards[i].checks[index] = check
                }
                if isCopy, !cards[i].tags.contains("near-duplicate") { cards[i].tags.append("near-duplicate") }
                cards[i].updateTotal(weights: configuration.weights)
            }
        }
        return groups.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}
