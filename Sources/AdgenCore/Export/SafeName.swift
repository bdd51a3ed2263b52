/// Turns names from a campaign or a store (campaign names, size ids, creative ids, platforms, extensions) into
/// path components that are safe on every file system an export may be copied to.
public enum SafeName {
    /// The longest component, in bytes (every byte kept is ASCII, so also in characters).
    public static let maxBytes = 100

    /// What an empty, `.` or `..` name becomes.
    public static let fallback = "unnamed"

    /// `name` as one safe path component: `[A-Za-z0-9._-]` are kept, every other character (a slash, a
    /// backslash, NUL, a space, an emoji) becomes `-`, runs of `-` collapse to one, leading dots and dashes
    /// and trailing dots and dashes are stripped (Windows drops trailing dots), it is cut to `maxBytes`, a Windows device name (`CON`, `PRN`, `AUX`,
    /// `NUL`, `COM1`–`COM9`, `LPT1`–`LPT9`, any case, with or without an extension) gets a `_` after its
    /// stem, and nothing left (or `.`, `..`) becomes `unnamed`.
    public static func component(_ name: String) -> String {
        var kept: [UInt8] = []
        kept.reserveCapacity(min(name.utf8.count, maxBytes * 2))
        for scalar in name.unicodeScalars {
            let allowed: Bool
            switch scalar.value {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x2D: allowed = true
            default: allowed = false
            }
            let byte = allowed ? UInt8(scalar.value) : UInt8(ascii: "-")
            if byte == UInt8(ascii: "-"), kept.last == UInt8(ascii: "-") { continue }
            kept.append(byte)
        }
        var start = kept.startIndex
        while start < kept.endIndex, kept[start] == UInt8(ascii: ".") || kept[start] == UInt8(ascii: "-") {
            start += 1
        }
        var result = Array(kept[start...].prefix(maxBytes))
        while let last = result.last, last == UInt8(ascii: "-") || last == UInt8(ascii: ".") { result.removeLast() }
        guard !result.isEmpty, result.contains(where: { $0 != UInt8(ascii: ".") }) else { return fallback }
        var text = String(decoding: result, as: UTF8.self)
        let stem = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if isReservedDeviceName(String(stem)) {
            text = stem + "_" + text.dropFirst(stem.count)
            if text.utf8.count > maxBytes {
                text = String(text.prefix(maxBytes))
            }
        }
        return text
    }

    /// Whether `stem` is a device name Windows reserves in every folder.
    static func isReservedDeviceName(_ stem: String) -> Bool {
        let upper = stem.uppercased()
        if ["CON", "PRN", "AUX", "NUL"].contains(upper) { return true }
        guard upper.count == 4, upper.hasPrefix("COM") || upper.hasPrefix("LPT"), let digit = upper.last else {
            return false
        }
        return ("1"..."9").contains(digit)
    }
}
