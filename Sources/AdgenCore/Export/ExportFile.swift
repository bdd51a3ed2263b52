import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemRead = Glibc.read
    private let systemWrite = Glibc.write
    private let systemClose = Glibc.close
#elseif canImport(Darwin)
    import Darwin
    private let systemRead = Darwin.read
    private let systemWrite = Darwin.write
    private let systemClose = Darwin.close
#endif

/// One file of an export being written, front to back, through a buffer of `chunkSize` bytes: however large the
/// file, at most one chunk of it is in memory. `close()` flushes it to disk (`fsync`); a file dropped without
/// `close()` is closed unflushed (the export that wrote it is failing and removes its folder).
///
/// The file is written in place, not renamed into it: the export's whole folder is renamed into place at the end.
final class ExportFile {
    /// The most bytes held before they are written, and the size of the chunks files are read in.
    static let chunkSize = 1 << 20

    /// Where the file is.
    let path: String
    /// The bytes written so far.
    private(set) var count = 0
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var hasher: SHA256?

    /// Creates the file at `path` (its folder must exist); an existing file is an error. With `hashing`, the bytes
    /// written are hashed as they go (`sha256`).
    init(creating path: String, hashing: Bool = false) throws(OutputError) {
        self.path = path
        hasher = hashing ? SHA256() : nil
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(path: path, code: errno, action: "create") }
        buffer.reserveCapacity(Self.chunkSize)
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// The SHA-256 (hex) of the bytes written so far, when the file was created `hashing`.
    var sha256: String? {
        hasher.map { $0.finalize().withUnsafeBytes { Hex.prefix(of: $0, digits: 64) } }
    }

    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        count += bytes.count
        hasher?.update(bufferPointer: bytes)
        if buffer.count + bytes.count <= Self.chunkSize {
            buffer.append(contentsOf: bytes)
            return
        }
        try flushBuffer()
        if bytes.count >= Self.chunkSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) throws(OutputError) {
        var failure: OutputError?
        bytes.withUnsafeBytes { raw in
            do throws(OutputError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Appends `text` as UTF-8.
    func write(_ text: String) throws(OutputError) {
        var text = text
        var failure: OutputError?
        text.withUTF8 { utf8 in
            do throws(OutputError) { try write(UnsafeRawBufferPointer(utf8)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes what is buffered, flushes the file to disk and closes it.
    func close() throws(OutputError) {
        try flushBuffer()
        let descriptor = self.descriptor
        self.descriptor = -1
        if fsync(descriptor) != 0 {
            let code = errno
            _ = systemClose(descriptor)
            throw OutputError(path: path, code: code, action: "flush")
        }
        if systemClose(descriptor) != 0 { throw OutputError(path: path, code: errno, action: "close") }
    }

    private func flushBuffer() throws(OutputError) {
        guard !buffer.isEmpty else { return }
        var failure: OutputError?
        buffer.withUnsafeBytes { raw in
            do throws(OutputError) { try writeAll(raw) } catch { failure = error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        guard descriptor >= 0 else { throw OutputError(path: path, code: EBADF, action: "write") }
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, code: errno, action: "write")
            }
            offset += written
        }
    }
}

extension ExportFile {
    /// What reading a file in chunks found: its length and SHA-256 (hex), or why it could not be read.
    enum Source {
        case read(bytes: Int, sha256: String)
        case unreadable(path: String, code: Int32)
    }

    /// Reads `path` in chunks of `chunkSize`, hashing each and handing it to `body` (which may write it elsewhere).
    static func read(
        _ path: String, _ body: (UnsafeRawBufferPointer) throws(OutputError) -> Void
    ) throws(OutputError) -> Source {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .unreadable(path: path, code: errno) }
        defer { _ = systemClose(descriptor) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        var hasher = SHA256()
        var total = 0
        while true {
            let count = systemRead(descriptor, chunk.baseAddress!, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                return .unreadable(path: path, code: errno)
            }
            if count == 0 { break }
            let part = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            hasher.update(bufferPointer: part)
            try body(part)
            total += count
        }
        let digest = hasher.finalize().withUnsafeBytes { Hex.prefix(of: $0, digits: 64) }
        return .read(bytes: total, sha256: digest)
    }
}
