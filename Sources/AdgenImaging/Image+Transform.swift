import CVips

/// Where a crop keeps the picture when the aspect ratio changes.
public enum CropStrategy: String, Sendable, CaseIterable {
    /// The region libvips finds most interesting (edges, saturation, skin tones): the product, usually.
    case attention
    /// The middle.
    case centre
    /// The region with the most detail (entropy).
    case entropy

    var interesting: VipsInteresting {
        switch self {
        case .attention: VIPS_INTERESTING_ATTENTION
        case .centre: VIPS_INTERESTING_CENTRE
        case .entropy: VIPS_INTERESTING_ENTROPY
        }
    }
}

extension Image {
    /// Resized by `scale` (and `verticalScale` when the height scales differently), lanczos3.
    public func resized(scale: Double, verticalScale: Double? = nil) throws(ImagingError) -> Image {
        let source = self
        return try Vips.run("resizing") { adgen_resize(source.pointer, $0, scale, verticalScale ?? scale) }
    }

    /// Resized to exactly `width` × `height` (the aspect ratio changes when they do not match it).
    public func resized(width: Int, height: Int) throws(ImagingError) -> Image {
        let resized = try resized(
            scale: Double(width) / Double(self.width), verticalScale: Double(height) / Double(self.height))
        // Rounding can leave a pixel more or less; settle on the exact size.
        if resized.width == width && resized.height == height { return resized }
        return try resized.extended(toWidth: max(width, resized.width), height: max(height, resized.height))
            .cropped(x: 0, y: 0, width: width, height: height)
    }

    /// The region `x, y, width, height`.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws(ImagingError) -> Image {
        let source = self
        return try Vips.run("cropping to \(width)×\(height)+\(x)+\(y)") {
            adgen_crop(source.pointer, $0, Int32(x), Int32(y), Int32(width), Int32(height))
        }
    }

    /// Resized to cover `width` × `height` and cropped to it, keeping what `strategy` picks.
    public func filled(width: Int, height: Int, strategy: CropStrategy = .attention) throws(ImagingError) -> Image {
        let source = self
        return try Vips.run("cropping to fill \(width)×\(height)") {
            adgen_fill(source.pointer, $0, Int32(width), Int32(height), strategy.interesting)
        }
    }

    /// Extended to `width` × `height` with the image at `x, y` and `color` around it.
    public func extended(
        toWidth width: Int, height: Int, x: Int = 0, y: Int = 0, color: RGBA = RGBA(red: 0, green: 0, blue: 0, alpha: 0)
    ) throws(ImagingError) -> Image {
        let source = try withAlpha()
        var background = [Double(color.red), Double(color.green), Double(color.blue), Double(color.alpha)]
        return try Vips.run("extending to \(width)×\(height)") {
            adgen_embed(source.pointer, $0, Int32(x), Int32(y), Int32(width), Int32(height), &background, 4)
        }
    }

    /// `overlay` drawn over this image with its top-left corner at `x, y` (alpha blended).
    /// Only the region under the overlay is blended and pasted back, so a small overlay (a line of text, a
    /// button) costs its own size, not the canvas'.
    public func composited(_ overlay: Image, x: Int, y: Int) throws(ImagingError) -> Image {
        let base = try withAlpha()
        let top = try overlay.withAlpha()
        let left = max(0, x)
        let upper = max(0, y)
        let right = min(base.width, x + top.width)
        let lower = min(base.height, y + top.height)
        guard right > left, lower > upper else { return base }
        let region = try base.cropped(x: left, y: upper, width: right - left, height: lower - upper)
        let blended = try Vips.run("compositing") {
            adgen_composite_over(region.pointer, top.pointer, $0, Int32(x - left), Int32(y - upper))
        }
        let patch = try blended.normalised()
        return try Vips.run("compositing") { adgen_insert(base.pointer, patch.pointer, $0, Int32(left), Int32(upper)) }
    }

    /// The image repeated to fill `width` × `height` (tiled from the top-left corner): a one-column gradient
    /// becomes a full-width one at the cost of a copy.
    public func tiled(toWidth width: Int, height: Int) throws(ImagingError) -> Image {
        let source = self
        let across = (width + self.width - 1) / max(1, self.width)
        let down = (height + self.height - 1) / max(1, self.height)
        let tiles = try Vips.run("tiling") { adgen_replicate(source.pointer, $0, Int32(across), Int32(down)) }
        return try tiles.cropped(x: 0, y: 0, width: width, height: height)
    }

    /// The image computed now and held in memory: later operations read it instead of re-running the chain
    /// of operations that made it (each encode of a quality search would otherwise redo the whole layout).
    public func materialized() throws(ImagingError) -> Image {
        _ = Vips.started
        guard let memory = adgen_copy_memory(pointer) else {
            throw ImagingError(.operation, "computing the image failed: \(Vips.lastError())")
        }
        return Image(owning: memory)
    }

    /// Alpha removed by blending onto `color`.
    public func flattened(on color: RGBA = RGBA(red: 255, green: 255, blue: 255)) throws(ImagingError) -> Image {
        guard hasAlpha else { return self }
        let source = self
        var background = [Double(color.red), Double(color.green), Double(color.blue)]
        let flat = try Vips.run("flattening") { adgen_flatten(source.pointer, $0, &background, 3) }
        return try flat.normalised()
    }

    /// Gaussian blur with standard deviation `sigma` pixels.
    public func blurred(sigma: Double) throws(ImagingError) -> Image {
        let source = self
        return try Vips.run("blurring") { adgen_gaussblur(source.pointer, $0, sigma) }
    }

    /// Four-band sRGB with alpha (opaque where the image had none).
    func withAlpha() throws(ImagingError) -> Image {
        var image = try normalised()
        if image.bands < 3 {
            let grey = image
            image = try Vips.run("converting to colour") {
                adgen_colourspace(grey.pointer, $0, VIPS_INTERPRETATION_sRGB)
            }
        }
        if image.bands == 3 {
            let opaque = try Image.solid(
                width: image.width, height: image.height, color: RGBA(red: 255, green: 255, blue: 255))
            let alpha = try Vips.run("taking alpha") { adgen_extract_band(opaque.pointer, $0, 3, 1) }
            let rgb = image
            image = try Vips.run("adding alpha") { adgen_bandjoin2(rgb.pointer, alpha.pointer, $0) }
        }
        return image
    }
}
