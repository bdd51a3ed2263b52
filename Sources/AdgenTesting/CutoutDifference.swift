import AdgenCore
import AdgenImaging

/// How far a creative's pixels in a box are from a product cutout's: what a test checks to see the advertiser's
/// own product where the manifest says it is.
public enum CutoutDifference {
    /// The mean absolute difference (0…1) of R, G and B between `cutout` resized to `box` and `image` inside
    /// `box`, over the cutout's opaque pixels; nil when the resized cutout has none.
    public static func mean(of cutout: Image, in image: Image, at box: PixelBox) throws -> Double? {
        let expected = try cutout.rgba().resized(width: box.width, height: box.height).pixelBytes()
        let found = try image.cropped(x: box.x, y: box.y, width: box.width, height: box.height).pixelBytes()
        let bands = found.count / (box.width * box.height)
        var total = 0
        var count = 0
        for pixel in 0..<(box.width * box.height) where expected[pixel * 4 + 3] == 255 {
            for band in 0..<3 { total += abs(Int(found[pixel * bands + band]) - Int(expected[pixel * 4 + band])) }
            count += 3
        }
        return count > 0 ? Double(total) / Double(count) / 255 : nil
    }
}
