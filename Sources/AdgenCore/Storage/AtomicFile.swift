import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// Writes files so that a crash leaves either the old file or the whole new one: the bytes go to a temporary
/// file in the same folder, are flushed to disk (`fsync`), and the file is renamed into place; the folder is
/// synced too. A job is recorded done only after its files are written this way.
public enum AtomicFile {
    /// Writes `bytes` to `path`, creating its folder. A full disk, a read-only or unwritable folder throws an
    /// `OutputError` (the batch pauses); the temporary file is removed.
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: directory, code: errno == 0 ? EACCES : errno, action: "create the folder")
        }
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(path: temporary, code: errno, action: "create") }
        var failure: OutputError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = OutputError(path: path, code: errno, action: "write")
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = OutputError(path: path, code: errno, action: "flush") }
        if close(descriptor) != 0, failure == nil { failure = OutputError(path: path, code: errno, action: "close") }
        if failure == nil, rename(temporary, path) != 0 {
            failure = OutputError(path: path, code: errno, action: "rename into place")
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}

extension AtomicFile {
    /// Removes the temporary files that processes no longer running left under `directory` (a `kill -9` in the
    /// middle of a write); returns how many.
    @discardableResult
    public static func removeAbandoned(under directory: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var removed = 0
        for case let relative as String in walker {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix("."), name.hasSuffix(".tmp") else { continue }
            let parts = name.dropLast(4).split(separator: ".")
            guard let last = parts.last, let pid = pid_t(last), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                if unlink("\(directory)/\(relative)") == 0 { removed += 1 }
            }
        }
        return removed
    }
}

/// A file could not be written: the disk is full, the folder is read-only or not writable. The work that
/// needed it is given back to the queue, and the batch pauses until `adgen resume`.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The file or folder.
    public var path: String
    /// The system error number (`ENOSPC`, `EACCES` …).
    public var code: Int32
    /// What was being done.
    public var action: String

    public var description: String {
        let reason = String(cString: strerror(code))
        let hint: String
        switch code {
        case ENOSPC, EDQUOT: hint = "free some space, then run `adgen resume`"
        case EACCES, EPERM, EROFS:
            hint = "make the folder writable (or choose another with --store), then `adgen resume`"
        default: hint = "fix it, then run `adgen resume`"
        }
        return "cannot \(action) \(path): \(reason); nothing unwritten is marked done; \(hint)"
    }
}
