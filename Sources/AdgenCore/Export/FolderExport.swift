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

    /// Creates a result.
    public init(
        directory: String, manifest: Manifest, files: Int, bytes: Int, packs: [String], removedLeftovers: Int
    ) {
        self.directory = directory
        self.manifest = manifest
        self.files = files
        self.bytes = bytes
        self.packs = packs
        self.removedLeftovers = removedLeftovers
    }
}
