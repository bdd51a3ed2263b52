import AdgenImaging

/// One rendition of a variant at one size, as it moves through the pipeline.
public struct CreativeDraft: Sendable {
    /// The variant.
    public var variant: Variant
    /// The target size.
    public var size: AdSize
    /// The current pixels.
    public var image: Image
    /// Where the layout put text and logo, in the final canvas' pixels (for scoring).
    public var boxes: [LayoutBox] = []
    /// The picture's subject, once the layout placed or found it.
    public var subject: CreativeSubject?
    /// Where the crop cut the picture from, kept when the layout may shift it (a subject found in the picture).
    public var framing: Framing?
    /// Events worth a tag (`text-shrunk`, `text-truncated`, `quality-lowered` …).
    public var events: [String] = []
    /// The encoded file, once the encode step ran.
    public var encoded: EncodedFile?

    /// Creates a draft from a generated image.
    public init(variant: Variant, size: AdSize, image: Image) {
        self.variant = variant
        self.size = size
        self.image = image
    }

    /// The boxes a manifest records, `[x, y, width, height]` by role: the subject, and the first headline, offer,
    /// call to action, logo and brand name the layout set (those present).
    public var recordedBoxes: [String: [Int]] {
        var boxes = [String: [Int]]()
        if let subject { boxes["subject"] = [subject.box.x, subject.box.y, subject.box.width, subject.box.height] }
        for box in self.boxes where Self.recordedRoles.contains(box.role) && boxes[box.role] == nil {
            boxes[box.role] = [box.x, box.y, box.width, box.height]
        }
        return boxes
    }

    /// The roles `recordedBoxes` keeps.
    static let recordedRoles: Set<String> = ["headline", "offer", "cta", "logo", "brand"]

    /// The creative id: the variant id and the size, hashed like the variant id.
    public var id: String { Creative.id(variant: variant.id, size: size.id) }
}

/// The picture a crop was cut from and the region it kept: another region of the same picture is another framing of
/// the same creative.
public struct Framing: Sendable {
    /// The picture before the crop.
    public var source: Image
    /// The region kept, in the source's pixels.
    public var window: PixelBox

    /// Other regions of the window's size: along the axis the source has room on, at 0, ¼, ½, ¾ and all of that
    /// room, the current one left out; the nearest to it first.
    public var alternatives: [PixelBox] {
        let spare = (x: source.width - window.width, y: source.height - window.height)
        var windows = [PixelBox]()
        for step in 0...4 {
            if spare.x > 0 {
                windows.append(PixelBox(x: spare.x * step / 4, y: window.y, width: window.width, height: window.height))
            }
            if spare.y > 0 {
                windows.append(PixelBox(x: window.x, y: spare.y * step / 4, width: window.width, height: window.height))
            }
        }
        func shift(_ other: PixelBox) -> Int { abs(other.x - window.x) + abs(other.y - window.y) }
        return windows.filter { shift($0) > 2 }.sorted { shift($0) < shift($1) }
    }
}

/// A box the layout drew, in canvas pixels.
public struct LayoutBox: Sendable, Hashable, Codable {
    /// What it holds: `headline`, `cta`, `logo`, `brand`.
    public var role: String
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// The text colour, for text boxes (`#RRGGBB`).
    public var color: String?
    /// The text's font size in pixels (its em), for text boxes.
    public var textSize: Int?

    /// Creates a box.
    public init(role: String, x: Int, y: Int, width: Int, height: Int, color: String?, textSize: Int? = nil) {
        self.role = role
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.color = color
        self.textSize = textSize
    }
}

/// An encoded creative file.
public struct EncodedFile: Sendable {
    /// The bytes.
    public var bytes: [UInt8]
    /// The format.
    public var format: ImageFormat
    /// The quality it landed at.
    public var quality: Int
}

/// Creative ids.
public enum Creative {
    /// The first 12 hex digits of SHA-256 over `adgen-creative-1`, the variant id and the size id.
    public static func id(variant: String, size: String) -> String {
        var encoding = Array("adgen-creative-1".utf8)
        Variant.appendField(UInt8(ascii: "i"), variant.utf8, to: &encoding)
        Variant.appendField(UInt8(ascii: "z"), size.utf8, to: &encoding)
        return Variant.digest(encoding)
    }
}
