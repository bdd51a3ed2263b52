import Foundation

/// The folder a store's files live under: generated images (`generations/`, the cache), each batch's creatives
/// (`batches/<batch-id>/`) and its campaign's files as submitted (`snapshots/<batch-id>/`). Rows in the store name files relative to it, so a store and its data root can move, or
/// be shared by processes on several machines that mount it at different places.
public struct DataRoot: Sendable, Hashable, CustomStringConvertible {
    /// The folder, absolute and standardised.
    public let path: String

    /// A data root at `path` (relative paths resolve against the current folder).
    public init(_ path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The absolute path of `stored`, a path as a row keeps it: relative to the root. An absolute path (written by
    /// adgen before data roots) is returned as it is.
    public func resolve(_ stored: String) -> String {
        stored.hasPrefix("/") ? stored : "\(path)/\(stored)"
    }

    /// The folder of a batch's creatives, as rows keep it.
    public static func batchFolder(_ batchID: String) -> String { "batches/\(batchID)" }

    /// The folder a batch's campaign snapshot is written out to, as rows would keep it.
    public static func snapshotFolder(_ batchID: String) -> String { "snapshots/\(batchID)" }

    /// A server tenant's own area: what its requests upload (`uploads/`) and where its campaigns export (`exports/`).
    public static func tenantFolder(_ tenant: String) -> String { "tenants/\(SafeName.component(tenant))" }

    /// Where a generation with `key` is kept, as rows keep it: `generations/<2 hex>/<key>.<ext>`.
    public static func generationFile(key: String, fileExtension: String) -> String {
        "generations/\(key.prefix(2))/\(key).\(fileExtension)"
    }

    /// The generations folder, absolute.
    public var generations: String { "\(path)/generations" }

    public var description: String { path }
}
