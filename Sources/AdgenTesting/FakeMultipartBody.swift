import Foundation

/// A `multipart/form-data` body a fake server received (RFC 7578, RFC 2046 §5.1), parsed strictly: the boundary
/// from the `Content-Type` header, every part with a `Content-Disposition: form-data; name=…` header, the body
/// closed by the final delimiter. A fake answers its API's 400 when this does not parse.
public struct FakeMultipartBody: Sendable {
    /// One part.
    public struct Part: Sendable {
        /// The field name.
        public var name: String
        /// The file name, for a file part.
        public var filename: String?
        /// The part's `Content-Type`, when it has one.
        public var contentType: String?
        /// The content.
        public var bytes: [UInt8]

        /// The content as text.
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// The parts, in order.
    public var parts: [Part]

    /// The text fields (parts without a file name) by name; the last of a repeated name.
    public var fields: [String: String] {
        var fields = [String: String]()
        for part in parts where part.filename == nil { fields[part.name] = part.text }
        return fields
    }

    /// The file parts named `name`.
    public func files(_ name: String) -> [Part] { parts.filter { $0.name == name && $0.filename != nil } }

    /// Parses the body of `request`; throws a message saying what is wrong.
    public init(_ request: TestHTTPRequest) throws(FakeMultipartError) {
        guard let type = request.header("content-type") else { throw .init("no Content-Type header") }
        let pieces = type.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else {
            throw .init("Content-Type is \(pieces.first ?? ""), not multipart/form-data")
        }
        guard
            var boundary = pieces.dropFirst().first(where: { $0.lowercased().hasPrefix("boundary=") })?
                .dropFirst("boundary=".count)
        else { throw .init("Content-Type has no boundary") }
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 {
            boundary = boundary.dropFirst().dropLast()
        }
        guard (1...70).contains(boundary.count) else { throw .init("the boundary is not 1 to 70 characters") }
        parts = try Self.parts(request.body, boundary: String(boundary))
    }

    static func parts(_ body: [UInt8], boundary: String) throws(FakeMultipartError) -> [Part] {
        // Each delimiter is CRLF "--" boundary; the first one may open the body without the CRLF.
        let content = Array("\r\n".utf8) + body
        let delimiter = Array("\r\n--\(boundary)".utf8)
        var parts = [Part]()
        guard var at = find(delimiter, in: content, from: 0) else { throw .init("the boundary never occurs") }
        while true {
            var cursor = at + delimiter.count
            if content[cursor...].starts(with: Array("--".utf8)) { return parts }
            while cursor < content.count, content[cursor] == 0x20 || content[cursor] == 0x09 { cursor += 1 }
            guard content[cursor...].starts(with: Array("\r\n".utf8)) else {
                throw .init("a delimiter is not followed by CRLF")
            }
            cursor += 2
            guard let next = find(delimiter, in: content, from: cursor) else {
                throw .init("the body does not end with the closing delimiter --\(boundary)--")
            }
            guard let headEnd = find(Array("\r\n\r\n".utf8), in: content, from: cursor), headEnd <= next else {
                throw .init("a part has no blank line after its headers")
            }
            let head = String(decoding: content[cursor..<headEnd], as: UTF8.self)
            parts.append(try part(head: head, bytes: Array(content[(headEnd + 4)..<next])))
            at = next
        }
    }

    static func part(head: String, bytes: [UInt8]) throws(FakeMultipartError) -> Part {
        var disposition: String?
        var contentType: String?
        for line in head.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .init("the part header '\(line)' has no colon") }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch line[..<colon].lowercased() {
            case "content-disposition": disposition = value
            case "content-type": contentType = value
            default: break
            }
        }
        guard let disposition, disposition.lowercased().hasPrefix("form-data") else {
            throw .init("a part has no Content-Disposition: form-data")
        }
        let parameters = Self.parameters(disposition)
        guard let name = parameters["name"], !name.isEmpty else { throw .init("a part has no name") }
        return Part(name: name, filename: parameters["filename"], contentType: contentType, bytes: bytes)
    }

    /// `name="…"` and `filename="…"` of a Content-Disposition value.
    static func parameters(_ value: String) -> [String: String] {
        var result = [String: String]()
        var rest = Substring(value)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].lowercased()
            var tail = rest[rest.index(after: equals)...]
            if tail.hasPrefix("\"") {
                tail = tail.dropFirst()
                let close = tail.firstIndex(of: "\"") ?? tail.endIndex
                result[key] = String(tail[..<close])
                rest = close < tail.endIndex ? tail[tail.index(after: close)...] : ""
            } else {
                let end = tail.firstIndex(of: ";") ?? tail.endIndex
                result[key] = tail[..<end].trimmingCharacters(in: .whitespaces)
                rest = tail[end...]
            }
        }
        return result
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

/// A multipart body that does not parse.
public struct FakeMultipartError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    init(_ description: String) { self.description = description }
}
