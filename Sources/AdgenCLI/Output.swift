import AdgenCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
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
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
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
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): output.append(contentsOf: [92, 92])
            case 10: output.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: output.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: output.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 15)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    static func append(_ text: String, to output: inout [UInt8]) { output.append(contentsOf: text.utf8) }
}
