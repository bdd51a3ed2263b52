/// What a template may refer to: the campaign's axes and brief, and its wildcard files.
public struct TemplateEnvironment: Sendable {
    /// Axis names, by index.
    public var axes: [String]
    /// Brief fields by key.
    public var brief: [String: String]
    /// The wildcard files.
    public var wildcards: WildcardLibrary
    /// Whether `{{name}}` refers to an axis or brief field (campaign templates) rather than being a nested variant.
    public var campaignReferences: Bool

    /// Creates an environment.
    public init(axes: [String], brief: [String: String], wildcards: WildcardLibrary, campaignReferences: Bool) {
        self.axes = axes
        self.brief = brief
        self.wildcards = wildcards
        self.campaignReferences = campaignReferences
    }

    /// An environment for a template on its own: no axes, no brief, wildcards from `folders`.
    public static func standalone(wildcardFolders: [String]) -> TemplateEnvironment {
        TemplateEnvironment(
            axes: [], brief: [:], wildcards: WildcardLibrary(folders: wildcardFolders), campaignReferences: false)
    }
}

/// A compiled prompt template: its expansions are numbered `0..<count` and rendered one at a time.
public struct Template: Sendable {
    /// The template's text as written.
    public let source: String
    let program: TemplateProgram
    /// The campaign axes the template refers to, by index, ascending: only they change its text.
    public let referencedAxes: [Int]

    /// The number of prompts it expands to (for one axis assignment); an empty template has none.
    public var count: UInt64 { source.isEmpty ? 0 : program.count }

    /// Parses and compiles `source`; throws every problem with its position.
    public init(_ source: String, environment: TemplateEnvironment) throws(TemplateError) {
        self.source = source
        let syntax = try TemplateParser.parse(source, references: environment.campaignReferences)
        var compiler = TemplateCompiler(environment: environment)
        let root = try compiler.compile(syntax, scope: [:])
        program = TemplateProgram(root)
        referencedAxes = compiler.referencedAxes.sorted()
        if root.count == .max {
            throw TemplateError(
                at: 0, "the template expands to more than 18 quintillion prompts", hint: "use fewer or smaller variants"
            )
        }
    }

    /// Renders expansion `index` (`0..<count`).
    public func render(_ index: UInt64, context: RenderContext) -> String {
        var output = [UInt8]()
        output.reserveCapacity(128)
        program.render(index, context: context, turn: context.sequenceIndex, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends expansion `index` to `output` (no intermediate string; for streaming).
    public func render(_ index: UInt64, context: RenderContext, into output: inout [UInt8]) {
        program.render(index, context: context, turn: context.sequenceIndex, into: &output)
    }

    /// The expansions in order, lazily (for a template used on its own: `sequenceIndex` is the position).
    public func expansions(seed: UInt64 = 0) -> some Sequence<String> {
        (0..<count).lazy.map { index in
            render(index, context: RenderContext(axisValues: [], sequenceIndex: index, seed: seed))
        }
    }
}
