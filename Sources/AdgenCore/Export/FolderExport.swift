/// What `FolderExporter.export(_:)` wrote.
public struct FolderExport: Sendable {
    /// The export folder, `ROOT/<campaign>/<batch-id>` (absolute, standardised).
    public var directory: String
    /// The manifest written as `manifest.json`.
    public var manifest: Manifest
    /// How many files, and their bytes in all.
    public var files: Int
    public var bytes: Int
    /// The packs written, relative to `directory` (`packs/size-meta-feed.zip` …), in the order written.
    public var packs: [String]
    /// How many leftover folders of an interrupted export of this batch were removed.
    public var removedLeftovers: Int
    /// The SHA-256 (hex) of `manifest.json` as written (hashed while it was written, so there is no need to read
    /// the file again).
    public var manifestSHA256: String

    /// Creates a result.
    public init(
        directory: String, manifest: Manifest, files: Int, bytes: Int, packs: [String], removedLeftovers: Int,
        manifestSHA256: String
    ) {
        self.directory = directory
        self.manifest = manifest
        self.files = files
        self.bytes = bytes
        self.packs = packs
        self.removedLeftovers = removedLeftovers
        self.manifestSHA256 = manifestSHA256
    }
}
