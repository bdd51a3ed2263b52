import Foundation
import Yams

/// Reads a campaign YAML file into a checked `Campaign`, reporting every problem of the file at once.
public struct CampaignLoader: Sendable {
    /// Limits that keep a broken or hostile file from taking the process down.
    public struct Configuration: Sendable {
        /// The largest campaign, template or wildcard file read.
        public var maxFileBytes: Int = 1 << 20
        /// Default of the campaign's `max_variants`.
        public var defaultMaxVariants: Int = Campaign.defaultMaxVariants
        /// For a campaign a server was sent: the folder its file references must stay in (what the request
        /// uploaded) and the folder its `export: - folder:` targets go under (the tenant's area).
        public var confinement: Confinement?

        /// The defaults.
        public init() {}
    }

    /// Where a served campaign's paths may lead.
    public struct Confinement: Sendable {
        /// Every file the campaign names must be inside this folder (absolute), symlinks resolved.
        public var files: String
        /// Export folders are taken inside this folder (absolute): `..` stops at it, an absolute path starts in it.
        public var exports: String

        /// Creates a confinement.
        public init(files: String, exports: String) {
            self.files = files
            self.exports = exports
        }
    }

    /// The limits in force.
    public var configuration: Configuration

    /// Creates a loader.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Loads the campaign at `path`; `path` is also how errors name the file.
    public func load(path: String) throws(CampaignError) -> Campaign {
        let bytes = try Self.read(path, maxBytes: configuration.maxFileBytes, location: nil)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(bytes: bytes, file: path, directory: directory)
    }

    /// Loads a campaign from its bytes; relative paths in it resolve against `directory`.
    public func load(bytes: [UInt8], file: String, directory: String) throws(CampaignError) -> Campaign {
        let source = try YAMLSource(bytes: bytes, file: file, maxBytes: configuration.maxFileBytes)
        var decoder = CampaignDecoder(source: source, directory: directory, configuration: configuration)
        let campaign = decoder.decode()
        guard decoder.diagnostics.isEmpty, let campaign else {
            throw CampaignError(
                decoder.diagnostics.isEmpty
                    ? [Diagnostic(SourceLocation(file: file, line: 1, column: 1), "the campaign could not be read")]
                    : decoder.diagnostics)
        }
        return campaign
    }

    /// Reads a file's bytes, refusing files over `maxBytes` before reading them.
    static func read(_ path: String, maxBytes: Int, location: SourceLocation?) throws(CampaignError) -> [UInt8] {
        let at = location ?? SourceLocation(file: path, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CampaignError([Diagnostic(at, "no such file: \(path)", hint: "check the path")])
        }
        if isDirectory.boolValue {
            throw CampaignError([Diagnostic(at, "\(path) is a folder, not a file")])
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxBytes {
            throw CampaignError([
                Diagnostic(
                    at,
                    "\(path) is \(ByteCount.describe(size)), larger than the \(ByteCount.describe(maxBytes)) a campaign or template file may be",
                    hint: "is this the right file? split long lists into wildcard files")
            ])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CampaignError([Diagnostic(at, "cannot read \(path)", hint: "check its permissions")])
        }
        let bytes = [UInt8](data)
        FileRecorder.current?.record(path, bytes)
        return bytes
    }
}
