import Foundation
import ZIPFoundation

/// A ZIP archive of some creatives (`packs/size-<size-id>.zip`, `packs/platform-<platform>.zip`) with its own
/// `manifest.csv`, written so that the same creatives give the same bytes: entries in a fixed order (the CSV,
/// then the creatives in manifest order), stored uncompressed (JPEG, PNG, WebP and AVIF do not compress
/// further, and storing keeps the bytes independent of the zlib version), mode 0644, and one fixed
/// modification time — the batch's `finished_at`, or its `created_at` when it has not finished.
struct DeliveryPack: Sendable {
    /// The pack's file name under `packs/`.
    var name: String
    /// The creatives, in manifest order.
    var creatives: [Manifest.CreativeEntry]

    /// Writes the pack to `path`, reading each creative from `folder` (the export folder being built).
    func write(to path: String, from folder: String, axes: [String], date: Date) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        let csv = Data(ManifestCSV.render(creatives, axes: axes).utf8)
        try archive.addEntry(
            with: "manifest.csv", type: .file, uncompressedSize: Int64(csv.count), modificationDate: date,
            permissions: 0o644, compressionMethod: .none
        ) { position, size in
            csv.subdata(in: Int(position)..<Int(position) + size)
        }
        for creative in creatives {
            let source = "\(folder)/\(creative.file)"
            guard let handle = FileHandle(forReadingAtPath: source) else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: source])
            }
            defer { try? handle.close() }
            let length = try handle.seekToEnd()
            try archive.addEntry(
                with: creative.file, type: .file, uncompressedSize: Int64(length), modificationDate: date,
                permissions: 0o644, compressionMethod: .none
            ) { position, size in
                try handle.seek(toOffset: UInt64(position))
                return try handle.read(upToCount: size) ?? Data()
            }
        }
    }
}
