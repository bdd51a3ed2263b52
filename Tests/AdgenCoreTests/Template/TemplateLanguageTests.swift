import AdgenCore
import AdgenTesting
import Testing

@Suite struct TemplateLanguageTests {
    let plain = TemplateEnvironment.standalone(wildcardFolders: [])

    func prompts(_ text: String, _ environment: TemplateEnvironment? = nil) throws -> [String] {
        Array(try Template(text, environment: environment ?? plain).expansions())
    }

    func problem(_ text: String, _ environment: TemplateEnvironment? = nil) -> TemplateError.Problem? {
        do {
            _ = try Template(text, environment: environment ?? plain)
            return nil
        } catch {
            return error.problems.first
        }
    }

    @Test func pickGivesOrderedSelectionsJoinedByComma() throws {
        #expect(try prompts("{2$$a|b|c}") == ["a,b", "a,c", "b,a", "b,c", "c,a", "c,b"])
        #expect(try prompts("{1-2$$ and $$x|y}") == ["x", "y", "x and y", "y and x"])
    }

    @Test func immediateVariableKeepsFirstValueAndItsLeadingSpace() throws {
        #expect(try prompts("${x=!{a|b}} ${x} ${x}") == [" a a"])
        #expect(try prompts("${x={a|b}} ${x}") == [" a", " b"])
        #expect(try prompts("${mood:calm} sea") == ["calm sea"])
    }

    @Test func firstPartVariesSlowest() throws {
        #expect(try prompts("{a|b}{1|2}") == ["a1", "a2", "b1", "b2"])
    }

    @Test func percentAndDollarSignsAreText() throws {
        #expect(try prompts("{20% off|$5 off} today") == ["20% off today", "$5 off today"])
    }

    @Test func cyclicalRotatesOncePerPrompt() throws {
        #expect(try prompts("{@red|blue} {cap|hat|bag}") == ["red cap", "blue hat", "red bag"])
    }

    @Test func randomPickIsReproducibleAndDependsOnTheSeed() throws {
        let template = try Template("{~a|b|c|d|e|f|g|h}", environment: plain)
        let first = (0..<40).map { seed in Array(template.expansions(seed: UInt64(seed))) }
        let again = (0..<40).map { seed in Array(template.expansions(seed: UInt64(seed))) }
        #expect(first == again)
        #expect(Set(first.map { $0[0] }).count > 3, "40 seeds should not all pick the same option")
    }

    @Test func campaignReferencesResolveAxesAndBrief() throws {
        let environment = TemplateEnvironment(
            axes: ["style", "audience"], brief: ["product": "Ridge 3"], wildcards: WildcardLibrary(folders: []),
            campaignReferences: true)
        let template = try Template("{{style}} of {{ brief.product }} for {{audience}}", environment: environment)
        let context = RenderContext(axisValues: [Array("photo".utf8), Array("hikers".utf8)], sequenceIndex: 0, seed: 1)
        #expect(template.render(0, context: context) == "photo of Ridge 3 for hikers")
    }

    @Test func unknownAxisPointsAtItsNameAndSuggestsTheRightOne() throws {
        let environment = TemplateEnvironment(
            axes: ["audience"], brief: [:], wildcards: WildcardLibrary(folders: []), campaignReferences: true)
        let problem = try #require(self.problem("shoe for {{audiance}}", environment))
        #expect(problem.place == .offset(11))
        #expect(problem.message.contains("audiance"))
        #expect(problem.hint?.contains("'audience'") == true)
    }

    @Test func unclosedBraceIsReportedAtTheBrace() throws {
        let problem = try #require(self.problem("a {b|c"))
        #expect(problem.place == .offset(2))
        #expect(problem.message.contains("never closed"))
    }

    @Test func undefinedVariableSaysHowToDefineIt() throws {
        let problem = try #require(self.problem("a ${tone} sea"))
        #expect(problem.message.contains("'tone'"))
        #expect(problem.hint?.contains("${tone=") == true)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "{", count: 20_000) + "x" + String(repeating: "}", count: 20_000)
        let problem = try #require(self.problem(deep))
        #expect(problem.message.contains("nesting deeper than"))
        let variables = String(repeating: "${a:", count: 20_000) + "x" + String(repeating: "}", count: 20_000)
        #expect(self.problem(variables)?.message.contains("nesting deeper than") == true)
    }

    @Test func wildcardCycleIsAnErrorNamingTheChain() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("a.txt", "one\nsee __b__\n")
        try folder.write("b.txt", "__c__ too\n")
        try folder.write("c.txt", "back to __a__\n")
        let problem = try #require(self.problem("x __a__", .standalone(wildcardFolders: [folder.path])))
        #expect(problem.message.contains("__a__ → __b__ → __c__ → __a__"))
        guard case .location(let location) = problem.place else {
            Issue.record("a cycle is reported inside the wildcard file")
            return
        }
        #expect(location.file.hasSuffix("c.txt"))
        #expect(location.line == 1)
        #expect(location.column == 9)
    }

    @Test func wildcardGlobsUnionSortedValuesAndFilesMayNest() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("colors/warm.txt", "# warm\nred\norange\n\n")
        try folder.write("colors/cool.txt", "  blue  \nred\n")
        try folder.write("shade.txt", "{light|dark} __colors/cool__\n")
        let environment = TemplateEnvironment.standalone(wildcardFolders: [folder.path])
        #expect(try prompts("__colors/*__", environment) == ["blue", "orange", "red"])
        #expect(try prompts("__shade__", environment) == ["light blue", "light red", "dark blue", "dark red"])
        let missing = try #require(self.problem("__colours/warm__", environment))
        #expect(missing.hint?.contains("__colors/warm__") == true)
    }

    @Test func countMatchesTheExpansionsWithoutListingThem() throws {
        let template = try Template(String(repeating: "{a|b|c|d|e|f|g|h|i|j}", count: 12), environment: plain)
        #expect(template.count == 1_000_000_000_000)
        let context = RenderContext(axisValues: [], sequenceIndex: 0, seed: 0)
        #expect(template.render(template.count - 1, context: context) == String(repeating: "j", count: 12))
        #expect(template.render(1, context: context) == String(repeating: "a", count: 11) + "b")
    }
}
