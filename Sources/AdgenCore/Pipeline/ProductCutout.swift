import AdgenImaging
import Synchronization

/// The campaign's product cutout as layouts set it: trimmed to its visible pixels, decoded once per pipeline.
public struct ProductCutout: Sendable {
    /// The cutout (RGBA), trimmed to the box of its pixels that are not (nearly) transparent.
    public let image: Image
    /// The cutout made ready for each box size it was set at: the creatives of one size share it.
    let prepared = Prepared.Cache()

    /// Trims `image`, a cutout with transparency around the product.
    public init(image: Image) throws {
        guard let bounds = try image.transparency().visible else {
            throw PipelineError("the product image is transparent everywhere")
        }
        self.image = try image.cropped(x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height).rgba()
    }

    /// The cutout of `campaign`'s product in composite mode, read from its file; nil without one (or in reference
    /// mode). A product photo without transparency is cut out by `removers` (by provider id), as
    /// `product.remove_background` or the pipeline's `remove_background` step names it.
    public static func make(for campaign: Campaign, removers: [String: any BackgroundRemover]) async throws
        -> ProductCutout?
    {
        guard let product = campaign.product, product.mode == .composite else { return nil }
        guard case .removeBackground(let provider, _)? = product.remover else { return try load(for: campaign) }
        guard let remover = removers[provider.rawValue] else {
            throw PipelineError.noProductRemover(provider: provider.rawValue)
        }
        let photo = try read(product.image)
        return try ProductCutout(image: try await remover.removeBackground(from: photo))
    }

    /// The cutout of `campaign`'s product in composite mode when its file has transparency; nil without one (or in
    /// reference mode). A setup error when it must be cut out first (`make(for:removers:)` does that).
    static func load(for campaign: Campaign) throws(PipelineError) -> ProductCutout? {
        guard let product = campaign.product, product.mode == .composite else { return nil }
        if case .removeBackground(let provider, _)? = product.remover {
            throw PipelineError.noProductRemover(provider: provider.rawValue)
        }
        do {
            return try ProductCutout(image: try read(product.image))
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.unusableProduct(product.image, "\(error)")
        }
    }

    static func read(_ path: String) throws(PipelineError) -> Image {
        do {
            return try Image.load(path: path, limits: .init(maxPixels: Product.maxPixels))
        } catch {
            throw PipelineError.unusableProduct(path, error.message)
        }
    }

    /// Its size in pixels.
    public var width: Int { image.width }
    public var height: Int { image.height }

    /// The side of the square the fidelity print is made at.
    public static let printSide = 24

    /// Sets the product into `drawing` (a copy of `picture`) at `box`: resized to the box (lanczos3), on a contact
    /// shadow in a dark shade of the picture under it, its soft rim tinted toward that picture. Its opaque pixels
    /// are the cutout's, resized.
    func set(into drawing: inout Drawing, at box: PixelBox, picture: Image, shadow: Bool) throws -> SetProduct {
        let ready = try prepared.get(width: box.width, height: box.height) { try Prepared(self, box: box) }
        let behind = try Self.meanColour(of: picture, in: box)
        if shadow {
            let ink = RGBA(
                red: UInt8(Double(behind.red) * 0.22), green: UInt8(Double(behind.green) * 0.22),
                blue: UInt8(Double(behind.blue) * 0.24))
            for cast in ready.shadows {
                var shade = ink
                shade.alpha = cast.alpha
                try drawing.fill(shade, mask: cast.mask, x: box.x + cast.x, y: box.y + cast.y)
            }
        }
        try drawing.draw(ready.tinted(toward: behind), x: box.x, y: box.y)
        return SetProduct(box: box, print: ready.print)
    }

    /// The cutout resized to one box size, with what setting it needs that does not depend on the picture.
    struct Prepared: Sendable {
        /// The resized cutout's pixels, RGBA.
        let pixels: [UInt8]
        let width: Int
        let height: Int
        /// The byte offsets of its partly transparent pixels: the rim that is tinted.
        let rim: [Int]
        /// The shadows: a mask, where it goes relative to the box, and its strength.
        let shadows: [(mask: Image, x: Int, y: Int, alpha: UInt8)]
        /// The fidelity print (`SetProduct.print`).
        let print: [UInt8]

        init(_ cutout: ProductCutout, box: PixelBox) throws {
            let fitted = try cutout.image.resized(width: box.width, height: box.height).materialized()
            let bytes = try fitted.pixelBytes()
            guard bytes.count == fitted.width * fitted.height * 4 else {
                throw PipelineError("the product cutout has \(fitted.bands) bands, not RGBA")
            }
            (pixels, width, height) = (bytes, fitted.width, fitted.height)
            rim = stride(from: 0, to: bytes.count, by: 4).filter { bytes[$0 + 3] > 0 && bytes[$0 + 3] < 255 }
            // A tight contact shadow where the product meets the ground, and a wide soft one around it: the
            // footprint of the product's own silhouette, squashed flat and blurred.
            let spread = max(2, box.height / 40)
            let silhouette = try fitted.alphaBand()
            var shadows = [(mask: Image, x: Int, y: Int, alpha: UInt8)]()
            for (widthShare, heightShare, blur, alpha) in [(1.12, 0.16, 3, UInt8(94)), (1.0, 0.06, 1, UInt8(170))] {
                let footprint = try silhouette.resized(
                    width: max(2, Int(Double(box.width) * widthShare)),
                    height: max(2, Int(Double(box.height) * heightShare)))
                let margin = 3 * blur * spread
                let mask = try footprint.padded(by: margin).blurred(sigma: Double(blur * spread)).materialized()
                shadows.append(
                    (
                        mask, (box.width - footprint.width) / 2 - margin,
                        box.height - footprint.height * 55 / 100 - margin, alpha
                    ))
            }
            self.shadows = shadows
            print = try fitted.resized(width: ProductCutout.printSide, height: ProductCutout.printSide).pixelBytes()
        }

        /// The resized cutout with its rim moved halfway toward `colour` (by its transparency): the edge carries the
        /// scene's light instead of the backdrop it was photographed on. Opaque pixels are left as they are.
        func tinted(toward colour: RGBA) throws -> Image {
            var tinted = pixels
            let ink = [Double(colour.red), Double(colour.green), Double(colour.blue)]
            for offset in rim {
                let share = 0.5 * (1 - Double(tinted[offset + 3]) / 255)
                for band in 0..<3 {
                    let value = Double(tinted[offset + band])
                    tinted[offset + band] = UInt8(min(255, max(0, (value + (ink[band] - value) * share).rounded())))
                }
            }
            return try .pixels(tinted, width: width, height: height, bands: 4)
        }

        /// Prepared cutouts by box size, for the creatives of one pipeline; emptied when it holds `limit`.
        final class Cache: Sendable {
            static let limit = 32
            private let entries = Mutex([Int: Prepared]())

            func get(width: Int, height: Int, make: () throws -> Prepared) throws -> Prepared {
                let key = width << 32 | height
                if let kept = entries.withLock({ $0[key] }) { return kept }
                let made = try make()
                entries.withLock { entries in
                    if entries.count >= Self.limit { entries.removeAll() }
                    entries[key] = made
                }
                return made
            }
        }
    }

    /// The mean colour of `picture` in `box` (clipped to it).
    static func meanColour(of picture: Image, in box: PixelBox) throws -> RGBA {
        let frame = PixelBox(x: 0, y: 0, width: picture.width, height: picture.height)
        guard let inside = box.intersection(frame) else { return RGBA(red: 128, green: 128, blue: 128) }
        let statistics = try picture.cropped(x: inside.x, y: inside.y, width: inside.width, height: inside.height)
            .statistics()
        func channel(_ band: Int) -> UInt8 {
            UInt8(min(255, max(0, statistics[min(band, statistics.count - 1)].mean.rounded())))
        }
        return RGBA(red: channel(0), green: channel(1), blue: channel(2))
    }
}

/// The product as a layout set it: where, and a small print of its pixels to check the final file against.
public struct SetProduct: Sendable, Hashable {
    /// Its box in the creative, in pixels.
    public var box: PixelBox
    /// The set cutout resized to `ProductCutout.printSide` squared, RGBA.
    public var print: [UInt8]
}

/// The picture's subject in a creative: the product adgen set (exact), or what the attention analysis found.
public struct CreativeSubject: Sendable, Hashable {
    /// Its box in pixels.
    public var box: PixelBox
    /// The product adgen set there (composite mode); nil when the box was found in the picture.
    public var product: SetProduct?
}

extension PixelBox {
    /// The area the union of `boxes` covers, each pixel counted once.
    static func unionArea(_ boxes: [PixelBox]) -> Int {
        let xs = Set(boxes.flatMap { [$0.x, $0.x + $0.width] }).sorted()
        let ys = Set(boxes.flatMap { [$0.y, $0.y + $0.height] }).sorted()
        var area = 0
        for (left, right) in zip(xs, xs.dropFirst()) {
            for (top, bottom) in zip(ys, ys.dropFirst()) {
                let cell = PixelBox(x: left, y: top, width: right - left, height: bottom - top)
                if boxes.contains(where: { $0.intersection(cell) != nil }) { area += cell.area }
            }
        }
        return area
    }
}
