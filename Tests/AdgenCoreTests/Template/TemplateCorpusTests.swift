import AdgenCore
import AdgenTesting
import Foundation
import Testing

/// The reference corpus: each template's prompts, as dynamicprompts 0.31's CombinatorialPromptGenerator
/// printed them (scripts/dynamicprompts/compare.sh regenerates it and checks the live library).
struct CorpusEntry: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var template: String
    var expected: [String]

    var testDescription: String { name }

    static let folder = Repository.path("Tests/AdgenCoreTests/Fixtures/dynamicprompts")

    static let all: [CorpusEntry] = {
        let data = FileManager.default.contents(atPath: folder + "/corpus.json") ?? Data()
        return (try? JSONDecoder().decode([CorpusEntry].self, from: data)) ?? []
    }()
}

@Suite struct TemplateCorpusTests {
    @Test func corpusIsLargeEnough() {
        #expect(CorpusEntry.all.count >= 40)
    }

    @Test(arguments: CorpusEntry.all)
    func sameMultisetAsDynamicPrompts(_ entry: CorpusEntry) throws {
        let environment = TemplateEnvironment.standalone(wildcardFolders: [CorpusEntry.folder + "/wildcards"])
        let template = try Template(entry.template, environment: environment)
        let prompts = Array(template.expansions())
        #expect(prompts.sorted() == entry.expected.sorted())
    }
}
