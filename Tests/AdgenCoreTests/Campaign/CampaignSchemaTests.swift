import AdgenCore
import AdgenTesting
import Foundation
import Testing

/// `docs/campaign.schema.json` and the loader agree on the values of pipeline steps, `below_min` and webhook
/// events: a campaign (written as JSON, which is YAML too) loads exactly when the schema accepts it.
@Suite struct CampaignSchemaTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// JSON members added to a minimal campaign.
        var members: String
        var valid: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "every step with options",
            members: """
                "pipeline": [{"upscale": {"factor": 2}}, {"crop": "entropy"}, "layout",
                  {"encode": {"format": "webp", "quality": 90, "max_kb": 150}}]
                """, valid: true),
        Case(
            name: "every step without options",
            members: """
                "generation": {"provider": "fal"},
                "pipeline": ["upscale", {"remove_background": {"provider": "fal"}}, "crop", "layout", "encode"]
                """, valid: true),
        Case(name: "upscale factor 20", members: #""pipeline": [{"upscale": {"factor": 20}}]"#, valid: false),
        Case(name: "upscale factor big", members: #""pipeline": [{"upscale": {"factor": "big"}}]"#, valid: false),
        Case(name: "upscale factor 1", members: #""pipeline": [{"upscale": 1}]"#, valid: false),
        Case(name: "crop sideways", members: #""pipeline": [{"crop": {"strategy": "sideways"}}]"#, valid: false),
        Case(name: "encode gif", members: #""pipeline": [{"encode": {"format": "gif"}}]"#, valid: false),
        Case(name: "encode quality 500", members: #""pipeline": [{"encode": {"quality": 500}}]"#, valid: false),
        Case(name: "encode max_kb -3", members: #""pipeline": [{"encode": {"max_kb": -3}}]"#, valid: false),
        Case(
            name: "remove_background on openai",
            members: #""pipeline": [{"remove_background": {"provider": "openai"}}]"#, valid: false),
        Case(name: "below_min drop", members: #""scoring": {"below_min": "drop"}"#, valid: true),
        Case(name: "below_min delete", members: #""scoring": {"below_min": "delete"}"#, valid: false),
        Case(name: "weights spec", members: #""scoring": {"weights": {"spec": 1}}"#, valid: false),
        Case(
            name: "webhook events",
            members: #""export": [{"webhook": {"url": "https://a.example/h", "events": ["export.ready"]}}]"#,
            valid: true),
        Case(
            name: "webhook event batch.done",
            members: #""export": [{"webhook": {"url": "https://a.example/h", "events": ["batch.done"]}}]"#,
            valid: false),
    ]

    @Test(arguments: cases)
    func theLoaderAndTheSchemaAgree(_ campaign: Case) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let json = #"{"campaign": "schema", "prompt": "shoe", "sizes": ["meta-feed"],"# + "\n\(campaign.members)}\n"
        let path = try folder.write("c.json", json)
        let loads = (try? CampaignLoader().load(path: path)) != nil
        #expect(loads == campaign.valid, "the loader")
        let verdict = try Self.validate(path, schema: Repository.path("docs/campaign.schema.json"))
        #expect((verdict == "valid") == campaign.valid, "the schema: \(verdict)")
    }

    /// `valid`, or `invalid: …` with the schema's messages (python3 with jsonschema, as `scripts/test.sh` installs).
    static func validate(_ file: String, schema: String) throws -> String {
        let script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
            print("valid" if not errors else "invalid: " + "; ".join(e.message for e in errors))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema, file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with jsonschema is needed: pip install jsonschema")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
