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
