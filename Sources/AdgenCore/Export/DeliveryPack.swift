import Foundation
import ZIPFoundation

/// A ZIP archive of some creatives (`packs/size-<size-id>.zip`, `packs/platform-<platform>.zip`) with its own
/// `manifest.csv`, written so that the same creatives give the same bytes: entries in a fixed order (the CSV,
/// then the creatives in manifest order), stored uncompressed (JPEG, PNG, WebP and AVIF do not compress
/// further, and storing keeps the bytes independent of the zlib version), mode 0644, and one fixed
/// modification time — the batch's `finished_at`, or its `created_at` when it has not finished.
///
/// Every entry is streamed in chunks of `ExportFile.chunkSize`: the CSV row by row, each creative from its file,
/// so a pack of any size is written with a bounded amount of memory.
struct DeliveryPack: Sendable {
    /// The pack's file name under `packs/`.
    var name: String
    /// The creatives, in manifest order.
    var creatives: [Manifest.CreativeEntry]

    /// Writes the pack to `path`, reading each creative from `folder` (the export folder being built).
    func write(to path: String, from folder: String, axes: [String], date: Date) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        let rows = CSVRows(creatives: creatives, axes: axes)
        try archive.addEntry(
            with: "manifest.csv", type: .file, uncompressedSize: Int64(rows.count), modificationDate: date,
            permissions: 0o644, compressionMethod: .none, bufferSize: ExportFile.chunkSize
        ) { _, size in
            rows.next(size)
        }
        for creative in creatives {
            let source = "\(folder)/\(creative.file)"
            guard let handle = FileHandle(forReadingAtPath: source) else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: source])
            }
            defer { try? handle.close() }
            let length = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            try archive.addEntry(
                with: creative.file, type: .file, uncompressedSize: Int64(length), modificationDate: date,
                permissions: 0o644, compressionMethod: .none, bufferSize: ExportFile.chunkSize
            ) { position, size in
                try handle.seek(toOffset: UInt64(position))
                return try handle.read(upToCount: size) ?? Data()
            }
        }
    }
}

extension DeliveryPack {
    /// A pack's `manifest.csv`, made row by row as the archive asks for its chunks (ZIPFoundation reads an
    /// entry's data front to back, once): its length is known up front, its bytes are never all in memory.
    final class CSVRows {
        /// The CSV's length in bytes.
        let count: Int
        private let creatives: [Manifest.CreativeEntry]
        private let axes: [String]
        private var next = 0
        private var pending: [UInt8]
        private var offset = 0

        init(creatives: [Manifest.CreativeEntry], axes: [String]) {
            self.creatives = creatives
            self.axes = axes
            pending = Array(ManifestCSV.header(axes: axes).utf8)
            count = creatives.reduce(pending.count) { $0 + ManifestCSV.row($1, axes: axes).utf8.count }
        }

        /// The next `size` bytes (fewer at the end).
        func next(_ size: Int) -> Data {
            var chunk = Data()
            chunk.reserveCapacity(size)
            while chunk.count < size {
                if offset == pending.count {
                    guard next < creatives.count else { break }
                    pending = Array(ManifestCSV.row(creatives[next], axes: axes).utf8)
                    offset = 0
                    next += 1
                    continue
                }
                let take = min(size - chunk.count, pending.count - offset)
                chunk.append(contentsOf: pending[offset..<(offset + take)])
                offset += take
            }
            return chunk
        }
    }
}
