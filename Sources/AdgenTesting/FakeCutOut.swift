import AdgenCore
import AdgenImaging
import Foundation

/// What a fake background-removal model returns: a disc on transparency, the size of the image sent.
enum FakeCutOut {
    /// The cut-out for an image sent as a `data:` URI; nil when it is not an image.
    static func cutOut(_ dataURI: String) -> [UInt8]? {
        guard let comma = dataURI.firstIndex(of: ","),
            let bytes = [UInt8](base64: String(dataURI[dataURI.index(after: comma)...])),
            let image = try? Image.decode(bytes)
        else { return nil }
        let (width, height) = (image.width, image.height)
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)">\
            <circle cx="\(width / 2)" cy="\(height / 2)" r="\(min(width, height) / 4)" fill="#FF0000"/></svg>
            """
        return try? Image.svg(svg).encoded(EncodeOptions(format: .png))
    }
}

extension [UInt8] {
    init?(base64: String) {
        guard let data = Data(base64Encoded: base64) else { return nil }
        self = Array(data)
    }
}
