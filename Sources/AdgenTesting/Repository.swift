import Foundation

/// Paths inside this repository, found from a source file's location (`#filePath`).
public enum Repository {
    /// The repository root: the nearest folder above `file` that holds `Package.swift`.
    public static func root(from file: String = #filePath) -> String {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
            folder.pathComponents.count > 1
        {
            folder.deleteLastPathComponent()
        }
        return folder.path
    }

    /// A path relative to the repository root.
    public static func path(_ relative: String, from file: String = #filePath) -> String {
        root(from: file) + "/" + relative
    }
}
