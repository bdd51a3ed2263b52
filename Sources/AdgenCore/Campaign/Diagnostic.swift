import Foundation

/// A position in a source file, 1-based, as editors and compilers print it.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file as the user named it (a path given on the command line, or a label such as `<template>`).
    public var file: String
    /// Line number, starting at 1.
    public var line: Int
    /// Column number in Unicode scalars, starting at 1.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = max(1, line)
        self.column = max(1, column)
    }

    /// `FILE:LINE:COL`.
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One error found in a campaign, template or wildcard file: where it is, what is wrong and how to fix it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong, in one sentence.
    public var message: String
    /// How to fix it, when we can tell (a "did you mean" or the change to make).
    public var hint: String?

    /// Creates a diagnostic.
    public init(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// `FILE:LINE:COL: error: MESSAGE (HINT)`, the form compilers use, so editors can jump to it.
    public var description: String {
        var text = "\(location): error: \(message)"
        if let hint { text += "; \(hint)" }
        return text
    }
}

/// The errors of one file, all of them, so a user fixes everything in one pass.
public struct CampaignError: Error, Sendable, CustomStringConvertible {
    /// Every problem found, in file order.
    public var diagnostics: [Diagnostic]

    /// Creates an error from its diagnostics (sorted by position).
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted { $0.location < $1.location }
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Paths as a person reads them in an error: relative to the current folder when under it.
public enum DisplayPath {
    /// `path` relative to the current directory when it lies inside it, else unchanged.
    public static func relative(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath
        let prefix = current.hasSuffix("/") ? current : current + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
