import Foundation

/// A `multipart/form-data` body (RFC 7578): text fields and files in the order added, as OpenAI's image edits and
/// ComfyUI's upload take them.
struct MultipartForm: Sendable {
    /// The boundary between parts; random, so it does not occur in an image's bytes.
    let boundary: String
    private var bytes: [UInt8] = []

    /// An empty form.
    init(boundary: String = "adgen-form-" + UUID().uuidString.lowercased()) {
        self.boundary = boundary
    }

    /// The `Content-Type` header of the body.
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// Adds a text field.
    mutating func add(_ name: String, _ value: String) {
        head("form-data; name=\"\(Self.quoted(name))\"", type: nil)
        bytes += Array(value.utf8)
        bytes += Array("\r\n".utf8)
    }

    /// Adds a file.
    mutating func add(_ name: String, filename: String, contentType: String, data: [UInt8]) {
        head(
            "form-data; name=\"\(Self.quoted(name))\"; filename=\"\(Self.quoted(filename))\"",
            type: contentType)
        bytes += data
        bytes += Array("\r\n".utf8)
    }

    /// The body, closed with the final delimiter.
    var body: [UInt8] { bytes + Array("--\(boundary)--\r\n".utf8) }

    private mutating func head(_ disposition: String, type: String?) {
        var text = "--\(boundary)\r\nContent-Disposition: \(disposition)\r\n"
        if let type { text += "Content-Type: \(type)\r\n" }
        bytes += Array((text + "\r\n").utf8)
    }

    /// A name or file name inside quotes, escaped as browsers do (RFC 7578 §4.2; WHATWG): `"`, CR and LF
    /// percent-encoded.
    static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }
}
