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

    /// Resized to exactly `width` × `height` (the aspect ratio changes when they do not match it), lanczos3.
    public func resized(width: Int, height: Int) throws(ImagingError) -> Image {
        guard width > 0, height > 0 else {
            throw ImagingError(.operation, "resizing to \(width)×\(height): the size must be positive")
        }
        if width == self.width && height == self.height { return self }
        let source = self
        return try Vips.run("resizing to \(width)×\(height)") {
            adgen_resize_to(source.pointer, $0, Int32(width), Int32(height))
        }
    }

    /// The region `x, y, width, height`.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws(ImagingError) -> Image {
        let source = self
        return try Vips.run("cropping to \(width)×\(height)+\(x)+\(y)") {
            adgen_crop(source.pointer, $0, Int32(x), Int32(y), Int32(width), Int32(height))
        }
    }

    /// Resized to cover `width` × `height` and cropped to it, keeping what `strategy` picks.
    ///
    /// The window of the source that becomes the output is chosen first and only it is resized (lanczos3). The
    /// analysis behind `attention` and `entropy` is done once per image, on a 256-px copy, and shared by every
    /// size cut from it: `attention` measures smartcrop's attention scores once and places each window where
    /// smartcrop would (on the 8-size pack of 50 test pictures the product stays in frame as often as with
    /// smartcrop on each full resize); `entropy` runs smartcrop on the small copy.
    public func filled(width: Int, height: Int, strategy: CropStrategy = .attention) throws(ImagingError) -> Image {
        guard width > 0, height > 0 else {
            throw ImagingError(.operation, "cropping to fill \(width)×\(height): the size must be positive")
        }
        if width == self.width && height == self.height { return self }
        let window = try fillRegion(width: width, height: height, strategy: strategy)
        return try filled(width: width, height: height, window: window)
    }

    /// The region `window` of this image resized to `width` × `height` (lanczos3): a crop placed by the caller, as
    /// `filled(width:height:strategy:)` places its own.
    public func filled(width: Int, height: Int, window: PixelBox) throws(ImagingError) -> Image {
        let kept =
            window.width == self.width && window.height == self.height
            ? self : try cropped(x: window.x, y: window.y, width: window.width, height: window.height)
        return try kept.resized(width: width, height: height)
    }

    /// The region of this image that `filled(width:height:strategy:)` resizes to `width` × `height`.
    public func fillRegion(width: Int, height: Int, strategy: CropStrategy) throws(ImagingError) -> PixelBox {
        let window = try fillWindow(width: width, height: height, strategy: strategy)
        return PixelBox(x: window.x, y: window.y, width: window.width, height: window.height)
    }

    /// The region of this image that `filled(width:height:strategy:)` resizes: the largest with the output's
    /// aspect ratio, placed by `strategy`.
    func fillWindow(width: Int, height: Int, strategy: CropStrategy) throws(ImagingError) -> (
        x: Int, y: Int, width: Int, height: Int
    ) {
        let scale = max(Double(width) / Double(self.width), Double(height) / Double(self.height))
        let windowWidth = min(self.width, max(1, Int((Double(width) / scale).rounded())))
        let windowHeight = min(self.height, max(1, Int((Double(height) / scale).rounded())))
        let spareX = self.width - windowWidth
        let spareY = self.height - windowHeight
        guard spareX > 0 || spareY > 0 else { return (0, 0, windowWidth, windowHeight) }
        switch strategy {
        case .centre:
            return (spareX / 2, spareY / 2, windowWidth, windowHeight)
        case .attention:
            // Where smartcrop would centre the window: the peak of the attention scores blurred in proportion
            // to the window, on the 32 × 32 grid, scaled up.
            let scores = try attentionScores()
            let sigma = max(
                1,
                ((Double(windowWidth) * 32 / Double(self.width)).squared
                    + (Double(windowHeight) * 32 / Double(self.height)).squared).squareRoot() / 10)
            var peakX: Int32 = 0
            var peakY: Int32 = 0
            scores.withUnsafeBufferPointer { adgen_attention_peak($0.baseAddress, sigma, &peakX, &peakY) }
            let x = Int(Double(peakX) * Double(self.width) / 32) - windowWidth / 2
            let y = Int(Double(peakY) * Double(self.height) / 32) - windowHeight / 2
            return (min(max(0, x), spareX), min(max(0, y), spareY), windowWidth, windowHeight)
        case .entropy:
            // libvips' smartcrop on the small copy, its window scaled up.
            let proxy = try analysisProxy()
            let ratioX = Double(proxy.width) / Double(self.width)
            let ratioY = Double(proxy.height) / Double(self.height)
            let proxyWidth = min(proxy.width, max(1, Int((Double(windowWidth) * ratioX).rounded())))
            let proxyHeight = min(proxy.height, max(1, Int((Double(windowHeight) * ratioY).rounded())))
            var left: Int32 = 0
            var top: Int32 = 0
            guard
                adgen_smartcrop_window(
                    proxy.pointer, Int32(proxyWidth), Int32(proxyHeight), strategy.interesting, &left, &top) == 0
            else {
                throw ImagingError(.operation, "finding the entropy crop failed: \(Vips.lastError())")
            }
            let x = Int((Double(left) / ratioX).rounded())
            let y = Int((Double(top) / ratioY).rounded())
            return (min(max(0, x), spareX), min(max(0, y), spareY), windowWidth, windowHeight)
        }
    }

    /// The long side of the copy that crops are analysed on.
    static let analysisSize = 256

    /// A copy `analysisSize` pixels on its long side (lanczos3), made on first use and kept.
    func analysisProxy() throws(ImagingError) -> Image {
        let factor = Double(max(width, height)) / Double(Self.analysisSize)
        guard factor > 1 else { return self }
        if let kept = analysis.withLock({ $0.proxy }) { return kept }
        let made = try resized(
            width: max(1, Int((Double(width) / factor).rounded())),
            height: max(1, Int((Double(height) / factor).rounded()))
        ).materialized()
        analysis.withLock { $0.proxy = made }
        return made
    }

    /// The attention scores of a 32 × 32 grid over the image (`adgen_attention_map`, measured on the analysis
    /// copy), worked out on first use and kept.
    func attentionScores() throws(ImagingError) -> [Float] {
        if let kept = analysis.withLock({ $0.attention }) { return kept }
        let proxy = try analysisProxy()
        var failed = false
        let scores = [Float](unsafeUninitializedCapacity: 32 * 32) { buffer, count in
            failed = adgen_attention_map(proxy.pointer, buffer.baseAddress) != 0
            count = failed ? 0 : 32 * 32
        }
        guard !failed else {
            throw ImagingError(.operation, "measuring attention failed: \(Vips.lastError())")
        }
        analysis.withLock { $0.attention = scores }
        return scores
    }
}

/// What an image's crops are placed by, worked out once for all the sizes cut from it.
struct CropAnalysis: Sendable {
    /// A small copy (`Image.analysisProxy()`); nil until made, or when the image is small itself.
    var proxy: Image?
    /// The 32 × 32 attention scores (`Image.attentionScores()`).
    var attention: [Float]?
}

extension Double {
    fileprivate var squared: Double { self * self }
}

extension Image {
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
            let rgb = image
            image = try Vips.run("adding alpha") { adgen_bandjoin_const1(rgb.pointer, $0, 255) }
        }
        return image
    }

    /// Surrounded by `margin` pixels of zero on every side (black, and transparent where there is alpha): a mask
    /// with room for a blur to spread into.
    public func padded(by margin: Int) throws(ImagingError) -> Image {
        guard margin > 0 else { return self }
        let source = self
        return try Vips.run("padding by \(margin)") { adgen_pad(source.pointer, $0, Int32(margin)) }
    }
}

extension Image {
    /// A thumbnail of the image file at `path`, fitted inside `width` × `height` (never enlarged, the aspect ratio
    /// kept), as 8-bit sRGB in memory. The file is shrunk while it is decoded (JPEG and WebP shrink on load; PNG is
    /// read a few lines at a time), so however large the picture, only the thumbnail and a strip of the source are
    /// in memory; nothing of the file is kept once the thumbnail is released.
    public static func thumbnail(path: String, width: Int, height: Int) throws(ImagingError) -> Image {
        _ = Vips.started
        guard width > 0, height > 0 else {
            throw ImagingError(.operation, "a thumbnail of \(width)×\(height): the size must be positive")
        }
        guard let lazy = adgen_thumbnail_file(path, Int32(width), Int32(height)) else {
            throw ImagingError(.decode, "\(path): not a readable image: \(Vips.lastError())")
        }
        let thumbnail = try Image(owning: lazy).normalised()
        guard let memory = adgen_copy_memory(thumbnail.pointer) else {
            throw ImagingError(.decode, "\(path): the image could not be decoded: \(Vips.lastError())")
        }
        return Image(owning: memory)
    }
}
