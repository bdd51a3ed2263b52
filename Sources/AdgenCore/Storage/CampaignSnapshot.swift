import Foundation
import Synchronization

/// The files a campaign was loaded from, kept with its batch so any process on any machine can load it again: the
/// campaign's bytes, and every file it references (logo, layout templates, wildcard files, prompt file, ComfyUI
/// workflow), by paths relative to their common folder.
///
/// `capture` records what the loader read; `materialize` writes the files into a folder of the data root and gives
/// the source to load the campaign from there. The same batch always materialises to the same bytes.
public enum CampaignSnapshot {
    /// Loads a campaign with `load` while recording every file and folder it reads, and returns the loaded value with
    /// a source that carries them (paths relative to their common folder; no absolute path left).
    public static func capture<Value>(
        _ source: CampaignSource, extraFiles: (Value) -> [String] = { _ in [] },
        load: (CampaignSource) throws -> Value
    ) throws -> (value: Value, source: CampaignSource) {
        let recorder = FileRecorder()
        let value = try FileRecorder.$current.withValue(recorder) { try load(source) }
        for path in extraFiles(value) {
            let absolute = absolutePath(path, in: source.directory)
            if let data = FileManager.default.contents(atPath: absolute) { recorder.record(absolute, Array(data)) }
        }
        let (files, folders) = recorder.contents
        let campaignFolder = absolutePath(source.directory, in: FileManager.default.currentDirectoryPath)
        let base = commonFolder(of: [campaignFolder] + files.keys.map(parent) + folders)
        func relative(_ path: String) -> String {
            path == base ? "." : String(path.dropFirst(base == "/" ? 1 : base.count + 1))
        }
        let name = (source.file as NSString).lastPathComponent
        var snapshot = source
        snapshot.directory = relative(campaignFolder)
        snapshot.file = snapshot.directory == "." ? name : "\(snapshot.directory)/\(name)"
        snapshot.files =
            files.sorted { $0.key < $1.key }.map { CampaignSource.File(path: relative($0.key), bytes: $0.value) }
            + folders.sorted().map { CampaignSource.File(path: relative($0) + "/", bytes: []) }
        return (value, snapshot)
    }

    /// Writes a snapshot's files under `folder` (once: a folder already written is reused) and returns the source to
    /// load from, whose directory is inside it. A source without files (from a store written before snapshots) is
    /// returned as it is.
    public static func materialize(_ source: CampaignSource, into folder: String) throws -> CampaignSource {
        guard !source.files.isEmpty || !source.directory.hasPrefix("/") else { return source }
        if !FileManager.default.fileExists(atPath: folder) {
            let partial = "\(folder).partial-\(UInt32.random(in: .min ... .max))"
            try? FileManager.default.removeItem(atPath: partial)
            for file in source.files {
                guard SafePath.isRelativeInside(file.path) else {
                    throw StoreError.incompatible("the stored campaign names a file outside its folder: \(file.path)")
                }
                let path = "\(partial)/\(file.path)"
                if file.path.hasSuffix("/") {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                } else {
                    try AtomicFile.write(file.bytes, to: path)
                }
            }
            try FileManager.default.createDirectory(
                atPath: "\(partial)/\(source.directory)", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(
                atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if rename(partial, folder) != 0 {
                // Another process materialised it first: theirs is the same.
                try? FileManager.default.removeItem(atPath: partial)
            }
        }
        var loaded = source
        loaded.directory = source.directory == "." ? folder : "\(folder)/\(source.directory)"
        return loaded
    }

    static func absolutePath(_ path: String, in directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    static func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }

    /// The deepest folder that holds every one of `paths` (absolute folders).
    static func commonFolder(of paths: [String]) -> String {
        var common = paths.first.map { $0.split(separator: "/").map(String.init) } ?? []
        for path in paths.dropFirst() {
            let parts = path.split(separator: "/").map(String.init)
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        return "/" + common.joined(separator: "/")
    }
}

/// Paths as a snapshot keeps them.
public enum SafePath {
    /// Whether `path` is relative and stays inside its folder (no `..`, no empty or absolute part).
    public static func isRelativeInside(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.contains("\u{0}") else { return false }
        return !path.split(separator: "/", omittingEmptySubsequences: false).dropLast(path.hasSuffix("/") ? 1 : 0)
            .contains { $0 == ".." || $0.isEmpty }
    }
}

/// Collects the files and folders the campaign loader reads while it is the task's current recorder.
final class FileRecorder: Sendable {
    /// The recorder of the load in progress, if any.
    @TaskLocal static var current: FileRecorder?

    private let state = Mutex<(files: [String: [UInt8]], folders: Set<String>)>(([:], []))

    /// Notes a file read, by its absolute path.
    func record(_ path: String, _ bytes: [UInt8]) {
        let absolute = CampaignSnapshot.absolutePath(path, in: FileManager.default.currentDirectoryPath)
        state.withLock { $0.files[absolute] = bytes }
    }

    /// Notes a folder the campaign names (a wildcard folder), so it exists when the snapshot is loaded.
    func recordFolder(_ path: String) {
        let absolute = CampaignSnapshot.absolutePath(path, in: FileManager.default.currentDirectoryPath)
        state.withLock { _ = $0.folders.insert(absolute) }
    }

    var contents: (files: [String: [UInt8]], folders: [String]) {
        state.withLock { ($0.files, Array($0.folders)) }
    }
}
