import AdgenCore

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// Buffered output to a standard stream: lines are gathered in 64 KiB blocks, so streaming millions of lines
/// costs one system call per block, and the first block goes out as soon as it is full or flushed.
struct StreamWriter: ~Copyable {
    private var buffer: [UInt8] = []
    private let descriptor: Int32

    /// A writer on standard output.
    static func standardOutput() -> StreamWriter { StreamWriter(descriptor: 1) }
    /// A writer on standard error.
    static func standardError() -> StreamWriter { StreamWriter(descriptor: 2) }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 16)
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func writeLine(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends raw bytes with `body`, avoiding intermediate strings.
    mutating func append(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written <= 0 {
                if written < 0 && errno == EINTR { continue }
                break
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Prints diagnostics to standard error, one per line.
func report(_ diagnostics: [Diagnostic]) {
    var errors = StreamWriter.standardError()
    for diagnostic in diagnostics { errors.writeLine(diagnostic.description) }
    errors.flush()
}

/// JSON string escaping into a byte buffer (RFC 8259), for streaming output without an encoder per line.
enum JSONBytes {
    private static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ string: String, to output: inout [UInt8]) {
        appendString(bytes: string.utf8, to: &output)
    }

    /// `[{"id":…,"width":…,"height":…}, …]` for a size list.
    static func sizes(_ sizes: [AdSize]) -> [UInt8] {
        var json = Array("[".utf8)
        for (index, size) in sizes.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            append("{\"id\":", to: &json)
            appendString(size.id, to: &json)
            append(",\"width\":\(size.width),\"height\":\(size.height)}", to: &json)
        }
        json.append(UInt8(ascii: "]"))
        return json
    }

    /// Appends `bytes` as a JSON string: runs that need no escaping are copied whole.
    static func appendString(bytes: some Collection<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var runStart = bytes.startIndex
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index = bytes.index(after: index)
                continue
            }
            output.append(contentsOf: bytes[runStart..<index])
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): output.append(contentsOf: [92, 92])
            case 10: output.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: output.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: output.append(contentsOf: [92, UInt8(ascii: "t")])
            default:
                output.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48])
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 15)])
            }
            index = bytes.index(after: index)
            runStart = index
        }
        output.append(contentsOf: bytes[runStart..<index])
        output.append(UInt8(ascii: "\""))
    }

    /// Appends a decimal number.
    static func append(_ number: UInt64, to output: inout [UInt8]) {
        if number >= 10 { append(number / 10, to: &output) }
        output.append(UInt8(ascii: "0") + UInt8(number % 10))
    }

    static func append(_ text: String, to output: inout [UInt8]) { output.append(contentsOf: text.utf8) }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
