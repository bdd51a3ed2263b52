/// Problems found in a prompt template: each at an offset in the template, or at a place in a wildcard file.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    /// One problem.
    public struct Problem: Sendable, Hashable {
        /// Where the problem is.
        public enum Place: Sendable, Hashable {
            /// A Unicode-scalar offset into the template's text (the loader turns it into the file's line:column).
            case offset(Int)
            /// A place in another file (a wildcard file).
            case location(SourceLocation)
        }

        /// Where.
        public var place: Place
        /// What is wrong.
        public var message: String
        /// How to fix it.
        public var hint: String?
    }

    /// Every problem found.
    public var problems: [Problem]

    init(_ problems: [Problem]) { self.problems = problems }

    init(at offset: Int, _ message: String, hint: String? = nil) {
        problems = [Problem(place: .offset(offset), message: message, hint: hint)]
    }

    init(at location: SourceLocation, _ message: String, hint: String? = nil) {
        problems = [Problem(place: .location(location), message: message, hint: hint)]
    }

    /// The problems as diagnostics against a template given inline (`file` names it, e.g. `<template>`).
    public func diagnostics(file: String, text: String) -> [Diagnostic] {
        let lines = LineTable(text)
        return problems.map { problem in
            switch problem.place {
            case .offset(let offset):
                Diagnostic(lines.location(ofScalar: offset, file: file), problem.message, hint: problem.hint)
            case .location(let location): Diagnostic(location, problem.message, hint: problem.hint)
            }
        }
    }

    /// One problem per line.
    public var description: String {
        problems.map { "\($0.place): \($0.message)" + ($0.hint.map { "; \($0)" } ?? "") }.joined(separator: "\n")
    }
}
