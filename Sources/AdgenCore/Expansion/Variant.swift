import Crypto
import Foundation

/// One creative concept: a prompt, its axis values and a seed. It is rendered at every size of the campaign;
/// each rendition is a creative.
public struct Variant: Sendable, Hashable {
    /// Stable id: the first 12 hex digits of SHA-256 over the canonical encoding of prompt, negative prompt,
    /// axes (sorted by name) and seed. The same on every run and machine, whatever the key order in the file.
    public var id: String
    /// Position in the campaign's variant space (before sampling and slicing).
    public var index: UInt64
    /// The prompt sent to the image provider.
    public var prompt: String
    /// The negative prompt, when the campaign has one.
    public var negativePrompt: String?
    /// The axis values, in the campaign's axis order.
    public var axes: [AxisValue]
    /// The generation seed.
    public var seed: UInt64
    /// The sizes the variant is rendered at.
    public var sizes: [AdSize]

    /// Creates a variant, computing its id.
    public init(
        index: UInt64, prompt: String, negativePrompt: String?, axes: [AxisValue], seed: UInt64, sizes: [AdSize]
    ) {
        self.init(
            id: Self.id(prompt: prompt, negativePrompt: negativePrompt, axes: axes, seed: seed), index: index,
            prompt: prompt, negativePrompt: negativePrompt, axes: axes, seed: seed, sizes: sizes)
    }

    /// A variant whose id is already computed (the expansion's fast path).
    init(
        id: String, index: UInt64, prompt: String, negativePrompt: String?, axes: [AxisValue], seed: UInt64,
        sizes: [AdSize]
    ) {
        self.id = id
        self.index = index
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.axes = axes
        self.seed = seed
        self.sizes = sizes
    }

    /// The value of the axis named `name`.
    public subscript(axis name: String) -> String? {
        axes.first { $0.name == name }?.value
    }

    /// The canonical id of a variant's content.
    ///
    /// Encoding (version 1): the tag `adgen-variant-1`, then each field as a one-byte kind, a little-endian
    /// 64-bit length and its UTF-8 bytes: `p` prompt, `n` negative prompt (absent when nil), `a`/`v` each axis
    /// name and value sorted by name, `s` the seed in decimal. The id is the first 12 hex digits of its SHA-256.
    public static func id(prompt: String, negativePrompt: String?, axes: [AxisValue], seed: UInt64) -> String {
        var buffer = idTag
        appendField(UInt8(ascii: "p"), prompt.utf8, to: &buffer)
        if let negativePrompt { appendField(UInt8(ascii: "n"), negativePrompt.utf8, to: &buffer) }
        for axis in axes.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            appendField(UInt8(ascii: "a"), axis.name.utf8, to: &buffer)
            appendField(UInt8(ascii: "v"), axis.value.utf8, to: &buffer)
        }
        appendField(UInt8(ascii: "s"), String(seed).utf8, to: &buffer)
        return digest(buffer)
    }

    static let idTag = Array("adgen-variant-1".utf8)

    /// Appends one field of the id encoding: kind, little-endian 64-bit length, bytes.
    static func appendField<Bytes: Collection<UInt8>>(_ kind: UInt8, _ bytes: Bytes, to buffer: inout [UInt8]) {
        buffer.append(kind)
        let count = UInt64(bytes.count)
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: count >> shift)) }
        buffer.append(contentsOf: bytes)
    }

    /// The first 12 hex digits of the SHA-256 of `encoding`.
    static func digest(_ encoding: [UInt8]) -> String {
        SHA256.hash(data: encoding).withUnsafeBytes { Hex.prefix(of: $0, digits: 12) }
    }
}

/// One axis value of a variant.
public struct AxisValue: Sendable, Hashable {
    /// The axis name.
    public var name: String
    /// Its value.
    public var value: String

    /// Creates an axis value.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Lower-case hexadecimal.
public enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    /// Every byte of `bytes` as two hex digits.
    public static func string(_ bytes: some ContiguousBytes) -> String {
        bytes.withUnsafeBytes { prefix(of: $0, digits: 2 * $0.count) }
    }

    /// The first `count` hex digits of `bytes` (`count` even, at most 2 × `bytes.count`).
    public static func prefix(of bytes: UnsafeRawBufferPointer, digits count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { output in
            digits.withUTF8Buffer { table in
                for index in 0..<(count / 2) {
                    let byte = bytes[index]
                    output[2 * index] = table[Int(byte >> 4)]
                    output[2 * index + 1] = table[Int(byte & 0x0F)]
                }
            }
            return count
        }
    }
}
