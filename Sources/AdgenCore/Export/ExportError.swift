#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An export could not be made: a creative's file is missing or changed, the folder cannot be written, a name
/// would lead outside it, the batch is not in the store. It says what, where, and how to fix it; nothing
/// half-written is left behind, and the store is unchanged.
///
/// Compare with the static members to tell the kinds apart: `error == .changedSource`.
public struct ExportError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case noSuchBatch, missingSource, changedSource, unwritable, outsideRoot, rendering
    }

    private let code: Code
    /// The whole message: what happened, where, and what to do.
    public let description: String

    private init(_ code: Code, _ description: String = "") {
        self.code = code
        self.description = description
    }

    /// Two errors are equal when they are of the same kind.
    public static func == (lhs: ExportError, rhs: ExportError) -> Bool { lhs.code == rhs.code }

    /// The batch is not in the store.
    public static let noSuchBatch = ExportError(.noSuchBatch)
    /// A delivered creative's file is not in the batch's output folder.
    public static let missingSource = ExportError(.missingSource)
    /// A delivered creative's file is there but its SHA-256 is not the one the store recorded.
    public static let changedSource = ExportError(.changedSource)
    /// The export folder cannot be created or written.
    public static let unwritable = ExportError(.unwritable)
    /// A path built from a name would lead outside the export root.
    public static let outsideRoot = ExportError(.outsideRoot)
    /// The contact sheet could not be drawn.
    public static let rendering = ExportError(.rendering)

    static func noSuchBatch(_ id: String) -> ExportError {
        ExportError(.noSuchBatch, "no batch \(id) in this store; `adgen status` lists the batches it holds")
    }

    static func missingSource(creative: String, file: String, batch: String) -> ExportError {
        ExportError(
            .missingSource,
            "creative \(creative): its file \(file) is missing; the export was not written. Restore the batch's "
                + "output folder, or run `adgen resume \(batch)` to remake it, then export again")
    }

    static func changedSource(creative: String, file: String, expected: String, found: String, batch: String)
        -> ExportError
    {
        ExportError(
            .changedSource,
            "creative \(creative): its file \(file) has changed since it was made (SHA-256 \(found.prefix(12))…, "
                + "the store recorded \(expected.prefix(12))…); the export was not written. Restore the original "
                + "file, or remove it and run `adgen resume \(batch)` to remake it, then export again")
    }

    static func unwritable(root: String, reason: String, batch: String) -> ExportError {
        ExportError(
            .unwritable,
            "cannot write the export to \(root): \(reason); the batch's results stay in the store — choose another "
                + "folder and run `adgen export \(batch) --to folder:DIR`")
    }

    static func unwritable(root: String, path: String, code: Int32, batch: String) -> ExportError {
        unwritable(root: root, reason: "\(path): \(String(cString: strerror(code)))", batch: batch)
    }

    static func outsideRoot(path: String, root: String, name: String) -> ExportError {
        ExportError(
            .outsideRoot,
            "the name \(quoted(name)) would lead to \(path), outside the export folder \(root); nothing was "
                + "written. Rename it in the campaign (names are reduced to letters, digits, `.`, `_` and `-`)")
    }

    static func rendering(_ what: String, reason: String) -> ExportError {
        ExportError(
            .rendering,
            "cannot draw the \(what): \(reason); nothing was written. Check that libvips and the DejaVu fonts "
                + "are installed (`scripts/install-deps.sh`)")
    }

    private static func quoted(_ name: String) -> String {
        "\""
            + name.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
            .joined() + "\""
    }
}
