import AdgenCore
import AdgenTesting
import Foundation
import Testing

/// Broken campaign files: each gives a positioned error a person can act on, quickly, and never a crash or hang.
@Suite struct BrokenInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var line: Int
        var column: Int
        var says: String
        var testDescription: String { file }
    }

    static let folder = Repository.path("Tests/AdgenCoreTests/Fixtures/broken")

    static let cases: [Case] = [
        Case(file: "assignment-inside-variant.yaml", line: 7, column: 59, says: "only be set at the top level"),
        Case(file: "axes-wrong-type.yaml", line: 4, column: 7, says: "axes must be a mapping"),
        Case(
            file: "axis-typo-in-template.yaml", line: 7, column: 47,
            says: "unknown axis 'audiance'; did you mean 'audience'?"),
        Case(file: "axis-typo-plain-scalar.yaml", line: 7, column: 13, says: "did you mean 'style'?"),
        Case(file: "bad-color.yaml", line: 2, column: 31, says: "'orange' is not a colour"),
        Case(
            file: "below-min-typo.yaml", line: 9, column: 39,
            says: "must be 'drop' or 'flag', found 'dorp'; did you mean 'drop'?"),
        Case(file: "binary-garbage.yaml", line: 1, column: 1, says: "binary file"),
        Case(file: "brief-typo-in-template.yaml", line: 7, column: 25, says: "did you mean 'product'?"),
        Case(file: "colon-in-plain-value.yaml", line: 9, column: 18, says: "quote text that contains ': '"),
        Case(file: "comments-only.yaml", line: 1, column: 1, says: "the file is empty"),
        Case(
            file: "corrupt-logo.yaml", line: 2, column: 49,
            says: "the logo assets/truncated-logo.png cannot be used: the image could not be decoded"),
        Case(file: "crop-unknown-strategy.yaml", line: 10, column: 23, says: "unknown crop strategy 'sideways'"),
        Case(file: "duplicate-key.yaml", line: 9, column: 1, says: "duplicate key 'sizes'"),
        Case(file: "empty-axis.yaml", line: 6, column: 10, says: "axis 'style' has no values"),
        Case(file: "empty.yaml", line: 1, column: 1, says: "the file is empty"),
        Case(file: "encode-not-last.yaml", line: 10, column: 5, says: "encode must be the last step"),
        Case(file: "encode-unknown-format.yaml", line: 11, column: 23, says: "unknown encode.format 'gif'"),
        Case(file: "exclude-unknown-axis.yaml", line: 10, column: 7, says: "did you mean 'audience'?"),
        Case(file: "exclude-unknown-value.yaml", line: 10, column: 17, says: "did you mean 'trail runners'?"),
        Case(file: "max-variants-wrong-type.yaml", line: 9, column: 15, says: "must be a whole number"),
        Case(file: "missing-font.yaml", line: 4, column: 9, says: "font 'Helvetica Neue' is not installed"),
        Case(file: "missing-required.yaml", line: 1, column: 1, says: "missing key 'prompt'"),
        Case(file: "missing-wildcard.yaml", line: 7, column: 59, says: "did you mean __lighting__?"),
        Case(file: "negative-seeds.yaml", line: 9, column: 22, says: "between 1 and 1000"),
        Case(file: "non-utf8.yaml", line: 3, column: 22, says: "invalid UTF-8 byte 0xE9"),
        Case(file: "product-empty.yaml", line: 9, column: 19, says: "is transparent everywhere"),
        Case(file: "product-huge.yaml", line: 9, column: 19, says: "is too large: the image is 9000×9000"),
        Case(file: "product-missing.yaml", line: 9, column: 19, says: "product image not found"),
        Case(file: "product-no-image.yaml", line: 9, column: 10, says: "product needs an 'image'"),
        Case(
            file: "product-opaque.yaml", line: 9, column: 19, says: "has no transparency: composite mode needs a cutout"
        ),
        Case(
            file: "product-opaque-alpha.yaml", line: 9, column: 19,
            says: "has an alpha channel but no transparent pixels"),
        Case(file: "product-reference-logo.yaml", line: 9, column: 86, says: "applies to mode: reference only"),
        Case(
            file: "product-reference-unsupported.yaml", line: 12, column: 9,
            says: "mode: reference cannot run on replicate"),
        Case(file: "product-truncated.yaml", line: 9, column: 19, says: "could not be decoded"),
        Case(file: "product-unknown-mode.yaml", line: 9, column: 76, says: "did you mean 'reference'?"),
        Case(
            file: "remove-background-offline.yaml", line: 10, column: 5,
            says: "generation.provider 'local', which has no background-removal model"),
        Case(file: "rules-drop-everything.yaml", line: 4, column: 1, says: "drop every variant"),
        Case(file: "sample-without-max.yaml", line: 9, column: 9, says: "sample needs 'max'"),
        Case(file: "sizes-wrong-type.yaml", line: 8, column: 8, says: "sizes must be a list"),
        Case(file: "tabs.yaml", line: 3, column: 1, says: "tabs for indentation"),
        Case(file: "top-level-list.yaml", line: 1, column: 1, says: "must be a mapping"),
        Case(file: "unbalanced-brace.yaml", line: 7, column: 23, says: "'{' is never closed"),
        Case(file: "unclosed-double-quote.yaml", line: 2, column: 9, says: "quoted text is never closed"),
        Case(file: "unclosed-single-quote.yaml", line: 3, column: 10, says: "quoted text is never closed"),
        Case(file: "unclosed-variable.yaml", line: 7, column: 58, says: "${tone=…} is never closed"),
        Case(file: "undefined-variable.yaml", line: 7, column: 59, says: "variable 'mood' is not set"),
        Case(file: "unknown-nested-key.yaml", line: 2, column: 10, says: "did you mean 'name'?"),
        Case(file: "unknown-pipeline-step.yaml", line: 10, column: 5, says: "did you mean 'crop'?"),
        Case(file: "unknown-provider.yaml", line: 9, column: 25, says: "did you mean 'openai'?"),
        Case(file: "unknown-size.yaml", line: 8, column: 9, says: "did you mean 'meta-feed'?"),
        Case(file: "unknown-top-level-key.yaml", line: 7, column: 1, says: "did you mean 'prompt'?"),
        Case(file: "unknown-webhook-event.yaml", line: 10, column: 65, says: "did you mean 'batch.completed'?"),
        Case(file: "unquoted-template-braces.yaml", line: 7, column: 20, says: "quote the value"),
        Case(file: "upscale-factor-out-of-range.yaml", line: 10, column: 24, says: "upscale.factor must be between"),
        Case(file: "utf16.yaml", line: 1, column: 1, says: "UTF-16"),
        Case(file: "wrong-type-brand.yaml", line: 2, column: 8, says: "brand must be a mapping"),
    ]

    /// Loads `path`, expecting failure; returns the diagnostics and checks it was quick.
    static func failure(_ path: String) throws -> [Diagnostic] {
        let clock = ContinuousClock()
        let start = clock.now
        var diagnostics = [Diagnostic]()
        do {
            let campaign = try CampaignLoader().load(path: path)
            Issue.record("\(path) loaded as campaign '\(campaign.name)' but is broken")
        } catch {
            diagnostics = error.diagnostics
        }
        // Not a speed benchmark: a guard against hangs and runaway work on hostile input.
        #expect(clock.now - start < .seconds(5))
        #expect(!diagnostics.isEmpty)
        return diagnostics
    }

    @Test func corpusHasAtLeastThirtyFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 30)
        #expect(
            Set(files) == Set(Self.cases.map(\.file) + ["wildcard-cycle.yaml"]), "every broken file has an expectation")
    }

    @Test(arguments: cases)
    func positionedError(_ broken: Case) throws {
        let path = Self.folder + "/" + broken.file
        let diagnostics = try Self.failure(path)
        let first = try #require(diagnostics.first)
        #expect(first.location.file == path, "errors name the file as given")
        #expect(first.location.line == broken.line)
        #expect(first.location.column == broken.column)
        #expect(first.description.contains(broken.says), "\(first)")
        #expect(first.description.hasPrefix("\(path):\(broken.line):\(broken.column): error: "))
    }

    @Test func wildcardCyclePointsIntoTheWildcardFile() throws {
        let diagnostics = try Self.failure(Self.folder + "/wildcard-cycle.yaml")
        let first = try #require(diagnostics.first)
        #expect(first.location.file.hasSuffix("wildcards-cycle/b.txt"))
        #expect(first.location.line == 2)
        #expect(first.location.column == 9)
        #expect(first.message.contains("__a__ → __b__ → __a__"))
    }

    @Test func everyErrorOfAFileIsReportedAtOnce() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write(
            "many.yaml",
            """
            campaign: many
            brand: { name: Acme, colour: "#FFF" }
            axes: { style: [photo] }
            prompt: "{{styl}} shot"
            sizes: [meta-feed, 0x0]
            generation: { concurency: 2 }
            """)
        let diagnostics = try Self.failure(path)
        #expect(diagnostics.map(\.location.line) == [2, 4, 5, 6])
    }

    @Test func fiftyMegabyteFileIsRefusedWithoutReadingIt() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let line = Array("prompt: \(String(repeating: "x", count: 1000))\n".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(50_000_000)
        while bytes.count < 50_000_000 { bytes += line }
        let path = try folder.write("huge.yaml", bytes: bytes)
        let diagnostics = try Self.failure(path)
        #expect(diagnostics[0].message.contains("50.0 MB"))
        #expect(diagnostics[0].location.line == 1)
    }

    @Test func twentyThousandDeepYAMLIsAnErrorNotAStackOverflow() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let deep =
            "campaign: deep\naxes: { style: " + String(repeating: "[", count: 20_000)
            + String(repeating: "]", count: 20_000) + " }\n"
        let diagnostics = try Self.failure(try folder.write("deep.yaml", deep))
        #expect(diagnostics[0].message.contains("nesting deeper than"))
        #expect(diagnostics[0].location.line == 2)
        let template = "campaign: deep\nprompt: \"" + String(repeating: "{", count: 20_000) + "\"\nsizes: [meta-feed]\n"
        let templateDiagnostics = try Self.failure(try folder.write("deep-template.yaml", template))
        #expect(templateDiagnostics[0].message.contains("nesting deeper than"))
        #expect(templateDiagnostics[0].location.line == 2)
    }

    @Test func yamlAliasBombIsRejectedWithoutExpandingIt() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var lines = ["campaign: bomb", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        let bomb = lines.joined(separator: "\n") + "\naxes: { style: *a9 }\nprompt: x\nsizes: [meta-feed]\n"
        let diagnostics = try Self.failure(try folder.write("bomb.yaml", bomb))
        #expect(diagnostics.contains { $0.message.contains("unknown key 'a0'") && $0.location.line == 2 })
        #expect(diagnostics.contains { $0.message.contains("axis 'style' must be text") })
    }

    @Test func trillionVariantProductIsRejectedWithTheCountAndTheFix() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var yaml = "campaign: huge\naxes:\n"
        for axis in 0..<6 {
            yaml += "  axis\(axis): [\((0..<100).map { "v\($0)" }.joined(separator: ", "))]\n"
        }
        yaml += "prompt: \"{{axis0}} {{axis1}} {{axis2}} {{axis3}} {{axis4}} {{axis5}}\"\nsizes: [meta-feed]\n"
        let diagnostics = try Self.failure(try folder.write("huge.yaml", yaml))
        #expect(diagnostics[0].message.contains("1,000,000,000,000 variants"))
        #expect(diagnostics[0].hint?.contains("sample:") == true)
        #expect(diagnostics[0].location.line == 2)
    }
}
