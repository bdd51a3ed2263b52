import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a batch's delivery pack into a folder: `ROOT/<campaign>/<batch-id>/` with the creatives by size,
/// `manifest.json`, `manifest.csv`, ZIP packs per size and per platform, `contact-sheet.jpg` and `index.html`
/// (see `docs/manifest.md`).
///
/// The folder appears whole or not at all: everything is written into a hidden sibling
/// (`.<batch-id>.partial-<random>`), flushed to disk, then renamed into place; an earlier export of the batch
/// is moved aside (`.<batch-id>.old-<random>`) first and removed after. Leftovers of an interrupted export are
/// removed by the next export of the same batch. The same batch always gives byte-identical files.
public struct FolderExporter: Sendable {
    /// What the export contains and how the contact sheet looks.
    public struct Configuration: Sendable {
        /// The contact sheet's cell: each thumbnail is fitted into a square of this many pixels.
        public var thumbnailSize = 200
        /// Thumbnails per row of the contact sheet.
        public var columns = 6
        /// Thumbnails per size on the contact sheet, best scores first; the rest are counted ("+N more").
        public var maxThumbnailsPerSize = 60
        /// Write `packs/size-<size-id>.zip`.
        public var sizePacks = true
        /// Write `packs/platform-<platform>.zip`.
        public var platformPacks = true
        /// Write `contact-sheet.jpg`.
        public var contactSheet = true
        /// Write `index.html` and its pages, `gallery/page-0001.js` …
        public var gallery = true
        /// Creatives per page of the gallery's data: the page shows the first page at once and loads the others
        /// after it, so no file of the export grows with the batch.
        public var galleryPageSize = 200

        /// The defaults: every part, 200-px thumbnails, 6 per row, 60 per size.
        public init() {}
    }

    /// The folder exports go under (`ROOT`); relative paths resolve against the current folder.
    public var root: String
    public var configuration: Configuration

    /// Creates an exporter writing under `root`.
    public init(root: String, configuration: Configuration = .init()) {
        self.root = root
        self.configuration = configuration
    }

    /// The folder an export of batch `batch` of campaign `campaign` is written to under `root`.
    public static func directory(root: String, campaign: String, batch: String) -> String {
        "\(normalised(root))/\(SafeName.component(campaign))/\(SafeName.component(batch))"
    }

    /// Writes `DIR/<campaign>/<batch-id>/` atomically; returns what was written.
    ///
    /// Each delivered creative's file is read from the batch's output folder and checked against the SHA-256
    /// the store recorded before it is copied. On any error nothing of this export is left behind, an earlier
    /// export of the batch stays as it was, and the store is not touched.
    public func export(_ delivery: DeliveryBatch) throws(ExportError) -> FolderExport {
        let root = Self.normalised(self.root)
        let batchID = delivery.batch.id
        let manifest = Manifest(delivery)
        let batchName = SafeName.component(batchID)
        let campaignFolder = try Self.inside(
            "\(root)/\(SafeName.component(delivery.campaign.name))", root: root, name: delivery.campaign.name)
        let target = try Self.inside("\(campaignFolder)/\(batchName)", root: root, name: batchID)

        var created: [String] = []
        if let failure = Self.makeFolders(campaignFolder, created: &created) {
            Self.removeEmpty(created)
            throw ExportError.unwritable(root: root, path: failure.path, code: failure.code, batch: batchID)
        }
        let removed = Self.removeLeftovers(of: batchName, in: campaignFolder)
        let partial = "\(campaignFolder)/.\(batchName).partial-\(Self.randomSuffix())"
        guard mkdir(partial, 0o755) == 0 else {
            let code = errno
            Self.removeEmpty(created)
            throw ExportError.unwritable(root: root, path: partial, code: code, batch: batchID)
        }
        do {
            var writer = Writer(root: root, folder: partial, batch: batchID)
            try write(delivery, manifest: manifest, into: &writer)
            try Self.swap(partial, into: target, campaignFolder: campaignFolder, root: root, batch: batchID)
            return FolderExport(
                directory: target, manifest: manifest, files: writer.files, bytes: writer.bytes,
                packs: writer.packs, removedLeftovers: removed, manifestSHA256: writer.manifestSHA256)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            Self.removeEmpty(created)
            throw error
        }
    }

    /// Everything, into `writer`'s folder. Every file is written in chunks (`ExportFile`): copies as they are
    /// read and hashed, both manifests entry by entry, the packs entry by entry, the gallery page by page; what
    /// stays in memory is the manifest and one chunk, whatever the number and size of the creatives.
    private func write(_ delivery: DeliveryBatch, manifest: Manifest, into writer: inout Writer) throws(ExportError) {
        let records = Dictionary(delivery.creatives.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for creative in manifest.creatives {
            guard let record = records[creative.id] else { continue }
            try writer.copy(record, of: delivery.batch, to: creative.file)
        }
        let digest = try writer.write("manifest.json", hashing: true) { file throws(OutputError) in
            try manifest.writeJSON(to: file)
        }
        // A file written with `hashing: true` always has its digest.
        writer.manifestSHA256 = digest ?? ""
        let axes = manifest.campaign.axes.map(\.name)
        try writer.write("manifest.csv") { file throws(OutputError) in
            try ManifestCSV.write(manifest.creatives, axes: axes, to: file)
        }
        let date = Manifest.milliseconds(delivery.batch.finishedAt ?? delivery.batch.createdAt)
        for pack in packs(manifest) {
            try writer.pack(pack, axes: axes, date: date)
        }
        if configuration.contactSheet {
            let sheet = try ContactSheet(configuration: configuration).render(manifest, folder: writer.folder)
            try writer.write("contact-sheet.jpg") { file throws(OutputError) in try file.write(sheet) }
        }
        if configuration.gallery {
            let gallery = Gallery(pageSize: configuration.galleryPageSize)
            let pages = gallery.pages(manifest.creatives.count)
            for number in pages {
                let creatives = gallery.creatives(onPage: number, of: manifest.creatives)
                try writer.write(Gallery.pageFile(number)) { file throws(OutputError) in
                    try gallery.writePage(number, creatives, to: file)
                }
            }
            try writer.write("index.html") { file throws(OutputError) in
                try file.write(gallery.html(manifest, pages: pages.count))
            }
        }
        try writer.syncFolders()
    }

    /// The packs of `manifest`: one per size (campaign order) and one per platform (first appearance), each
    /// with its creatives in manifest order. Platforms whose safe names match share a pack.
    func packs(_ manifest: Manifest) -> [DeliveryPack] {
        var result: [DeliveryPack] = []
        if configuration.sizePacks {
            var order: [String] = []
            var bySize: [String: [Manifest.CreativeEntry]] = [:]
            for creative in manifest.creatives {
                let name = SafeName.component(creative.sizeID)
                if bySize[name] == nil { order.append(name) }
                bySize[name, default: []].append(creative)
            }
            result += order.map { DeliveryPack(name: "size-\($0).zip", creatives: bySize[$0] ?? []) }
        }
        if configuration.platformPacks {
            var order: [String] = []
            var byPlatform: [String: [Manifest.CreativeEntry]] = [:]
            for creative in manifest.creatives {
                let name = SafeName.component(creative.platform.lowercased())
                if byPlatform[name] == nil { order.append(name) }
                byPlatform[name, default: []].append(creative)
            }
            result += order.map { DeliveryPack(name: "platform-\($0).zip", creatives: byPlatform[$0] ?? []) }
        }
        return result
    }

    /// Moves `partial` to `target`: an existing target is renamed aside first, then removed.
    private static func swap(
        _ partial: String, into target: String, campaignFolder: String, root: String, batch: String
    ) throws(ExportError) {
        var old: String?
        if FileManager.default.fileExists(atPath: target) {
            let aside = "\(campaignFolder)/.\((target as NSString).lastPathComponent).old-\(randomSuffix())"
            guard rename(target, aside) == 0 else {
                throw ExportError.unwritable(root: root, path: target, code: errno, batch: batch)
            }
            old = aside
        }
        guard rename(partial, target) == 0 else {
            let code = errno
            if let old { rename(old, target) }
            throw ExportError.unwritable(root: root, path: target, code: code, batch: batch)
        }
        sync(campaignFolder)
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }

    /// Removes `.<batch>.partial-*` and `.<batch>.old-*` folders an interrupted export left; returns how many.
    static func removeLeftovers(of batchName: String, in folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var removed = 0
        for name in names.sorted()
        where name.hasPrefix(".\(batchName).partial-") || name.hasPrefix(".\(batchName).old-") {
            if (try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")) != nil { removed += 1 }
        }
        return removed
    }

    /// `path` made absolute and normalised (`.`, `..` and repeated slashes resolved, without following links).
    static func normalised(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : "\(FileManager.default.currentDirectoryPath)/\(path)"
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `path`, normalised, when it is inside `root`; an error naming `name` otherwise.
    static func inside(_ path: String, root: String, name: String) throws(ExportError) -> String {
        let normal = normalised(path)
        let prefix = root == "/" ? "/" : root + "/"
        guard normal.hasPrefix(prefix), normal.count > prefix.count, !normal.contains("\u{0}") else {
            throw ExportError.outsideRoot(path: normal, root: root, name: name)
        }
        return normal
    }

    /// Creates `path` and the folders above it, adding those it made to `created`; returns the first one that
    /// cannot be created and why, or nil.
    static func makeFolders(_ path: String, created: inout [String]) -> (path: String, code: Int32)? {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/\(part)"
            var status = stat()
            if stat(current, &status) == 0 {
                if status.st_mode & S_IFMT == S_IFDIR { continue }
                return (current, ENOTDIR)
            }
            if errno != ENOENT { return (current, errno) }
            if mkdir(current, 0o755) != 0 {
                if errno == EEXIST { continue }
                return (current, errno)
            }
            created.append(current)
        }
        return nil
    }

    /// Removes the folders an export made, deepest first, as long as they are empty.
    static func removeEmpty(_ folders: [String]) {
        for folder in folders.reversed() where rmdir(folder) != 0 { return }
    }

    static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt32
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// `fsync` on a file or folder (best effort: a folder that cannot be opened is skipped).
    static func sync(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }
}

extension FolderExporter {
    /// Writes the files of one export into its temporary folder and counts them.
    struct Writer {
        let root: String
        let folder: String
        let batch: String
        var files = 0
        var bytes = 0
        var packs: [String] = []
        var manifestSHA256 = ""
        var folders: Set<String> = []

        init(root: String, folder: String, batch: String) {
            self.root = root
            self.folder = folder
            self.batch = batch
        }

        /// Writes `relative` through `body` (flushed to disk); with `hashing`, returns its SHA-256 (hex).
        @discardableResult
        mutating func write(
            _ relative: String, hashing: Bool = false, _ body: (ExportFile) throws(OutputError) -> Void
        ) throws(ExportError) -> String? {
            let path = try destination(relative)
            do {
                let file = try ExportFile(creating: path, hashing: hashing)
                try body(file)
                try file.close()
                files += 1
                bytes += file.count
                return file.sha256
            } catch {
                throw ExportError.unwritable(root: root, path: error.path, code: error.code, batch: batch)
            }
        }

        /// Copies a delivered creative's file from the batch's output folder to `relative`, in chunks, checking
        /// it against the SHA-256 the store recorded as it goes; a missing or changed file is an error naming it.
        mutating func copy(_ record: CreativeRecord, of batch: Batch, to relative: String) throws(ExportError) {
            let source = "\(batch.outputDirectory)/\(record.file ?? "\(record.sizeID)/\(record.id)")"
            guard record.file != nil else {
                throw ExportError.missingSource(creative: record.id, file: source, batch: batch.id)
            }
            var read: ExportFile.Source?
            try write(relative) { file throws(OutputError) in
                read = try ExportFile.read(source) { chunk throws(OutputError) in try file.write(chunk) }
            }
            switch read {
            case .read(_, let found):
                guard let expected = record.sha256, found == expected.lowercased() else {
                    throw ExportError.changedSource(
                        creative: record.id, file: source, expected: record.sha256 ?? "(none recorded)",
                        found: found, batch: batch.id)
                }
            case .unreadable, nil:
                throw ExportError.missingSource(creative: record.id, file: source, batch: batch.id)
            }
        }

        /// Writes `pack` under `packs/`.
        mutating func pack(_ pack: DeliveryPack, axes: [String], date: Date) throws(ExportError) {
            let relative = "packs/\(pack.name)"
            let path = try destination(relative)
            do {
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try pack.write(to: path, from: folder, axes: axes, date: date)
            } catch {
                throw ExportError.unwritable(
                    root: root, reason: "\(relative): \(FolderExporter.reason(error))", batch: batch)
            }
            FolderExporter.sync(path)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            files += 1
            bytes += size
            packs.append(relative)
        }

        /// `fsync` on every folder written to, deepest first.
        func syncFolders() throws(ExportError) {
            for path in folders.sorted(by: { $0.count > $1.count }) { FolderExporter.sync(path) }
            FolderExporter.sync(folder)
        }

        /// The path of `relative` in the export's folder, its folder created.
        private mutating func destination(_ relative: String) throws(ExportError) -> String {
            let path = try FolderExporter.inside("\(folder)/\(relative)", root: folder, name: relative)
            let parent = (path as NSString).deletingLastPathComponent
            if folders.insert(parent).inserted {
                var created: [String] = []
                if let failure = FolderExporter.makeFolders(parent, created: &created) {
                    throw ExportError.unwritable(root: root, path: failure.path, code: failure.code, batch: batch)
                }
            }
            return path
        }
    }
}
