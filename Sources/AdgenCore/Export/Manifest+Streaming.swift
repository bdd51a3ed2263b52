import Foundation

extension Manifest {
    /// Writes `manifest.json` into `file` one creative at a time: the same bytes as `json()`, but only one entry's
    /// JSON is in memory at once, however many creatives the batch has.
    ///
    /// The manifest without its two lists is encoded first; the encoder writes each empty list as `[`, an empty
    /// line and `]`, on lines of their own, which no string value can contain (a line break in a string is written
    /// `\n`). Each list's entries are encoded alone and indented to their depth, as the encoder indents them when
    /// it writes the whole manifest.
    func writeJSON(to file: ExportFile) throws(OutputError) {
        let encoder = Self.encoder()
        var skeleton = self
        skeleton.creatives = []
        skeleton.excluded = []
        let text = Array((try? encoder.encode(skeleton)) ?? Data("{}".utf8))
        let creativesList = Array("\n  \"creatives\" : [\n\n  ]".utf8)
        let excludedList = Array("\n  \"excluded\" : [\n\n  ]".utf8)
        guard let first = Self.range(of: creativesList, in: text), let second = Self.range(of: excludedList, in: text),
            first.upperBound <= second.lowerBound
        else {
            // Not the shape this encoder writes: the whole manifest at once instead.
            try file.write(json())
            return
        }
        try file.write(Array(text[..<first.lowerBound]))
        try Self.writeList("creatives", creatives, encoder: encoder, to: file)
        try file.write(Array(text[first.upperBound..<second.lowerBound]))
        try Self.writeList("excluded", excluded, encoder: encoder, to: file)
        try file.write(Array(text[second.upperBound...]))
        try file.write("\n")
    }

    /// `"key" : [ … ]` at the top level of the manifest, its entries encoded one by one.
    private static func writeList(
        _ key: String, _ entries: [some Encodable], encoder: JSONEncoder, to file: ExportFile
    ) throws(OutputError) {
        try file.write("\n  \"\(key)\" : [")
        for (index, entry) in entries.enumerated() {
            try file.write(index == 0 ? "\n" : ",\n")
            // Every value is finite and every key a string, so encoding cannot fail.
            let encoded = (try? encoder.encode(entry)) ?? Data("{}".utf8)
            try file.write(indented(encoded, by: 4))
        }
        try file.write(entries.isEmpty ? "\n\n  ]" : "\n  ]")
    }

    /// `json` with `spaces` spaces before each line that is not empty.
    static func indented(_ json: Data, by spaces: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(json.count + json.count / 8)
        var lineStart = true
        for byte in json {
            if lineStart && byte != UInt8(ascii: "\n") {
                result.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
            }
            result.append(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        return result
    }

    /// The first occurrence of `needle` in `haystack`.
    static func range(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }
}
