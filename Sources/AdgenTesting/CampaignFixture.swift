import AdgenCore

/// Campaign files written to a temporary folder, for tests of the loader and the stages after it.
public enum CampaignFixture {
    /// Writes `files` (name → contents) and `campaign` as `c.yaml` into a fresh folder, then loads it.
    public static func load(_ campaign: String, files: [String: String] = [:]) throws -> Campaign {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        for (name, contents) in files { try folder.write(name, contents) }
        return try CampaignLoader().load(path: try folder.write("c.yaml", campaign))
    }

    /// The diagnostics of a campaign that must not load; nil when it loads.
    public static func diagnostics(_ campaign: String, files: [String: String] = [:]) throws -> [Diagnostic]? {
        do {
            _ = try load(campaign, files: files)
            return nil
        } catch let error as CampaignError {
            return error.diagnostics
        }
    }
}
