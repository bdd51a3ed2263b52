/// Turns parsed syntax into `TemplateNode`s: resolves variables (dynamicprompts' scoping: a plain assignment
/// is re-expanded where it is used, an immediate one `!` keeps its first expansion), wildcards (with cycle
/// detection), axis and brief references; deduplicates variant options and precomputes picks as dynamicprompts'
/// combinatorial sampler does.
struct TemplateCompiler {
    /// Variant nodes with at most this many raw expansions are deduplicated exactly (as dynamicprompts does);
    /// larger ones are assumed distinct, so memory stays bounded.
    static let dedupeLimit: UInt64 = 100_000
    /// How deep wildcard files may use other wildcard files.
    static let maxWildcardDepth = 32
    /// The most raw combinations a pick (`{2$$…}`) may enumerate.
    static let pickLimit: UInt64 = 1_000_000

    let environment: TemplateEnvironment
    /// Wildcard files being expanded, outermost first, for cycle errors.
    var wildcardChain: [String] = []
    /// Variables being expanded, for self-reference errors.
    var variablesInUse: Set<String> = []
    /// Where the current wildcard value came from (errors inside wildcard files point there).
    var origin: WildcardLibrary.Value?
    var salt: UInt64 = 0
    /// The axes the template refers to.
    var referencedAxes: Set<Int> = []

    init(environment: TemplateEnvironment) {
        self.environment = environment
    }

    enum Binding {
        /// Re-expanded at each use, in the using scope.
        case deferred(TemplateSyntax)
        /// Fixed text.
        case fixed(String)
    }

    typealias Scope = [String: Binding]

    func error(_ offset: Int, _ message: String, hint: String? = nil) -> TemplateError {
        if let origin {
            return TemplateError(
                at: SourceLocation(file: origin.file, line: origin.line, column: origin.column + offset),
                "in wildcard value '\(origin.text.prefix(60))': \(message)", hint: hint)
        }
        return TemplateError(at: offset, message, hint: hint)
    }

    mutating func compile(_ syntax: TemplateSyntax, scope: Scope) throws(TemplateError) -> TemplateNode {
        switch syntax {
        case .text(let text):
            return .text(text)
        case .sequence(let items):
            // Assignments in a sequence apply to the whole sequence; an immediate one is evaluated in the
            // enclosing scope (dynamicprompts' `process_variable_assignments`).
            var inner = scope
            for case .assignment(let name, let value, let immediate, let overwrite, _) in items {
                if !overwrite, scope[name] != nil { continue }
                if immediate {
                    inner[name] = .fixed(try first(of: value, scope: scope))
                } else {
                    inner[name] = .deferred(value)
                }
            }
            // Every part is compiled even after one fails, so a template's errors are reported together.
            var parts = [TemplateNode]()
            var cyclicSyntax = [TemplateSyntax?]()
            var problems = [TemplateError.Problem]()
            for item in items {
                if case .assignment = item { continue }
                do {
                    let node = try compile(item, scope: inner)
                    parts.append(node)
                    if case .cyclical = node.kind { cyclicSyntax.append(item) } else { cyclicSyntax.append(nil) }
                } catch {
                    problems += error.problems
                }
            }
            guard problems.isEmpty else { throw TemplateError(problems) }
            return .sequence(parts, cyclicSyntax: cyclicSyntax)
        case .assignment:
            // A lone assignment prints nothing; as a one-part sequence it is checked like any other.
            return try compile(.sequence([syntax]), scope: scope)
        case .access(let name, let fallback, let offset):
            guard !variablesInUse.contains(name) else {
                throw error(
                    offset, "variable '\(name)' refers to itself", hint: "give it a value that does not use ${\(name)}")
            }
            let binding = scope[name] ?? fallback.map { .deferred($0) }
            switch binding {
            case .fixed(let text)?: return .text(text)
            case .deferred(let value)?:
                variablesInUse.insert(name)
                defer { variablesInUse.remove(name) }
                return try compile(value, scope: scope)
            case nil:
                throw error(
                    offset, "variable '\(name)' is not set",
                    hint: scope.isEmpty
                        ? "set it first with ${\(name)=value}, or give a default: ${\(name):value}"
                        : Suggestion.hint(for: name, in: scope.keys.sorted(), noun: "variable"))
            }
        case .reference(let name, let offset):
            return try reference(name, offset: offset)
        case .wrap(let wrapper, let inner):
            let wrappers = try staticStrings(wrapper, scope: scope, what: "the wrapper of %{…}")
            let innerNode = try compile(inner, scope: scope)
            return .choice(
                wrappers.map { text in
                    let (prefix, suffix) = Self.splitWrapper(text)
                    return TemplateNode(.wrap(prefix: Array(prefix.utf8), inner: innerNode, suffix: Array(suffix.utf8)))
                })
        case .wildcard(let wildcard):
            let options = try wildcardOptions(wildcard, scope: scope)
            return try sampled(wildcard.sampler, options.map(\.node), weights: nil, offset: wildcard.offset) {
                .choice(options.map(\.node))
            }
        case .variants(let variants):
            return try compileVariants(variants, scope: scope)
        }
    }

    /// The first expansion of `syntax` (immediate variables, wildcard paths).
    mutating func first(of syntax: TemplateSyntax, scope: Scope) throws(TemplateError) -> String {
        let node = try compile(syntax, scope: scope)
        guard node.isStatic else {
            throw error(0, "an immediate value (${x=!…}) cannot use campaign axes or ~/@ samplers")
        }
        var output = [UInt8]()
        TemplateProgram(node).render(
            0, context: RenderContext(axisValues: [], sequenceIndex: 0, seed: 0), turn: 0, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// All expansions of a node that must be fixed text.
    mutating func staticStrings(_ syntax: TemplateSyntax, scope: Scope, what: String) throws(TemplateError) -> [String]
    {
        let node = try compile(syntax, scope: scope)
        guard node.isStatic, let strings = node.strings(limit: Self.dedupeLimit) else {
            throw error(0, "\(what) must be plain text or small variants without axes")
        }
        return strings
    }

    mutating func reference(_ name: String, offset: Int) throws(TemplateError) -> TemplateNode {
        if name.hasPrefix("brief.") {
            let key = String(name.dropFirst(6))
            guard let value = environment.brief[key] else {
                throw error(
                    offset, "the brief has no field '\(key)'",
                    hint: environment.brief.isEmpty
                        ? "add it under `brief:`"
                        : Suggestion.hint(for: key, in: environment.brief.keys.sorted(), noun: "brief field"))
            }
            return .text(value)
        }
        guard let index = environment.axes.firstIndex(of: name) else {
            var candidates = environment.axes
            candidates += environment.brief.keys.sorted().map { "brief.\($0)" }
            throw error(
                offset, "unknown axis '\(name)'",
                hint: candidates.isEmpty
                    ? "define it under `axes:`" : Suggestion.hint(for: name, in: candidates, noun: "axis"))
        }
        referencedAxes.insert(index)
        return TemplateNode(.axis(index))
    }

    /// The values of a wildcard, each compiled as a template in the wildcard's scope.
    mutating func wildcardOptions(_ wildcard: TemplateSyntax.Wildcard, scope: Scope, useVariables: Bool = true)
        throws(TemplateError) -> [(node: TemplateNode, syntax: TemplateSyntax)]
    {
        // The path is itself a small template; its first expansion names the file (as in dynamicprompts).
        var path = try first(of: wildcard.path, scope: scope).replacingOccurrences(of: "\\", with: "/")
        while path.hasPrefix("/") { path.removeFirst() }
        while path.hasSuffix("/") { path.removeLast() }
        guard let values = try environment.wildcards.values(matching: path) else {
            let known = environment.wildcards.names().keys.sorted()
            let folders = environment.wildcards.folders.map { "'\(DisplayPath.relative($0))'" }.joined(separator: ", ")
            throw error(
                wildcard.offset, "no wildcard file '\(path).txt' in \(folders.isEmpty ? "any folder" : folders)",
                hint: Suggestion.closest(to: path, in: known).map { "did you mean __\($0)__?" }
                    ?? "create \(path).txt with one value per line")
        }
        if let start = wildcardChain.firstIndex(of: path) {
            let chain = (wildcardChain[start...] + [path]).map { "__\($0)__" }.joined(separator: " → ")
            throw error(
                wildcard.offset, "wildcard cycle: \(chain)",
                hint: "a wildcard file must not use itself, directly or through others")
        }
        if wildcardChain.count >= Self.maxWildcardDepth {
            throw error(
                wildcard.offset, "wildcards nest deeper than \(Self.maxWildcardDepth) files",
                hint: "flatten the wildcard files")
        }
        var inner = scope
        if useVariables {
            for (name, value) in wildcard.variables { inner[name] = .deferred(value) }
        }
        wildcardChain.append(path)
        defer { wildcardChain.removeLast() }
        let savedOrigin = origin
        defer { origin = savedOrigin }
        var options = [(node: TemplateNode, syntax: TemplateSyntax)]()
        for value in values {
            origin = value
            let syntax: TemplateSyntax
            do {
                syntax = try TemplateParser.parse(value.text, references: environment.campaignReferences)
            } catch {
                let message = error.problems.first?.message ?? "cannot parse"
                throw TemplateError(
                    at: SourceLocation(
                        file: value.file, line: value.line, column: value.column - 1 + Self.column(of: error)),
                    message, hint: error.problems.first?.hint)
            }
            options.append((try compile(syntax, scope: inner), syntax))
        }
        return options
    }

    static func column(of error: TemplateError) -> Int {
        if case .offset(let offset) = error.problems.first?.place { return offset + 1 }
        return 1
    }

    /// Builds a `~` or `@` node, or the combinatorial one from `combinatorial`.
    mutating func sampled(
        _ sampler: TemplateSyntax.Sampler, _ options: [TemplateNode], weights: [Double]?, offset: Int,
        combinatorial: () throws(TemplateError) -> TemplateNode
    ) throws(TemplateError) -> TemplateNode {
        switch sampler {
        case .combinatorial: return try combinatorial()
        case .cyclical: return options.isEmpty ? .text("") : TemplateNode(.cyclical(options))
        case .random:
            guard !options.isEmpty else { return .text("") }
            var cumulative = [Double]()
            var total = 0.0
            for index in options.indices {
                total += max(0, weights?[index] ?? 1)
                cumulative.append(total)
            }
            if total <= 0 { cumulative = options.indices.map { Double($0 + 1) } }
            salt = salt &+ 0x632B_E59B_D9B4_E019 &+ UInt64(offset)
            return TemplateNode(.random(options, cumulativeWeights: cumulative, salt: salt))
        }
    }

    mutating func compileVariants(_ variants: TemplateSyntax.Variants, scope: Scope) throws(TemplateError)
        -> TemplateNode
    {
        // `{__name__}` and `{2$$__name__}` range over the wildcard's values.
        var optionSyntax = variants.options
        var weights = variants.weights
        var options: [TemplateNode]
        if optionSyntax.count == 1, case .wildcard(let wildcard) = optionSyntax[0] {
            // dynamicprompts drops a `(var=value)` spec on a wildcard inside braces.
            let values = try wildcardOptions(wildcard, scope: scope, useVariables: false)
            options = values.map(\.node)
            optionSyntax = values.map(\.syntax)
            weights = Array(repeating: 1, count: options.count)
        } else {
            options = []
            for option in optionSyntax { options.append(try compile(option, scope: scope)) }
        }
        if options.isEmpty { return .text("") }
        let minimum = min(variants.minimum, options.count)
        let maximum = min(variants.maximum, options.count)
        let isPick = !(minimum == 1 && maximum == 1)
        if !isPick {
            return try sampled(variants.sampler, options, weights: weights, offset: variants.offset) {
                () throws(TemplateError) -> TemplateNode in
                let node = TemplateNode.choice(options)
                if node.isStatic, let strings = node.strings(limit: Self.dedupeLimit) {
                    var seen = Set<String>()
                    return TemplateNode(.table(StringTable(strings.filter { seen.insert($0).inserted })))
                }
                return node
            }
        }
        let picks = try picks(
            options, syntax: optionSyntax, minimum: minimum, maximum: maximum, joiner: variants.joiner,
            offset: variants.offset)
        let table = TemplateNode(.table(StringTable(picks)))
        switch variants.sampler {
        case .combinatorial: return table
        case .cyclical, .random:
            let each = picks.map { TemplateNode.text($0) }
            return try sampled(variants.sampler, each, weights: nil, offset: variants.offset) { table }
        }
    }

    /// dynamicprompts' pick: for each count, every ordered selection of distinct options, every combination of
    /// their expansions (first slowest); repeats inside a selection drop it, repeated selections are dropped.
    func picks(
        _ options: [TemplateNode], syntax: [TemplateSyntax], minimum: Int, maximum: Int, joiner: String, offset: Int
    ) throws(TemplateError) -> [String] {
        guard options.allSatisfy(\.isStatic) else {
            throw error(offset, "a pick ({N$$…}) cannot contain campaign axes or ~/@ samplers")
        }
        var expansions = [[String]]()
        for option in options {
            guard let strings = option.strings(limit: Self.pickLimit) else {
                throw error(offset, "an option of this pick has too many expansions", hint: "pick from simpler options")
            }
            expansions.append(strings)
        }
        var result = [String]()
        var seen = Set<[String]>()
        var budget = Self.pickLimit
        var tooMany = false
        for size in max(0, minimum)...max(0, maximum) {
            var chosen = [Int]()
            func selections(_ available: [Int]) {
                if tooMany { return }
                if chosen.count == size {
                    emit()
                    return
                }
                for (position, option) in available.enumerated() {
                    // dynamicprompts removes every option equal to the chosen one.
                    let rest = available.enumerated().filter {
                        $0.offset != position && syntax[$0.element] != syntax[option]
                    }
                    .map(\.element)
                    chosen.append(option)
                    selections(rest)
                    chosen.removeLast()
                }
            }
            func emit() {
                var indices = [Int](repeating: 0, count: chosen.count)
                while true {
                    if budget == 0 {
                        tooMany = true
                        return
                    }
                    budget -= 1
                    var parts = [String]()
                    for (slot, option) in chosen.enumerated() {
                        let text = expansions[option][indices[slot]]
                        if !parts.contains(text) { parts.append(text) }
                    }
                    if parts.count == size, seen.insert(parts).inserted {
                        result.append(Self.joined(parts, separator: joiner))
                    }
                    var slot = chosen.count - 1
                    while slot >= 0 {
                        indices[slot] += 1
                        if indices[slot] < expansions[chosen[slot]].count { break }
                        indices[slot] = 0
                        slot -= 1
                    }
                    if slot < 0 { return }
                }
            }
            selections(Array(options.indices))
        }
        if tooMany {
            throw error(
                offset, "this pick has more than \(Self.pickLimit.formatted) combinations",
                hint: "pick fewer, or from fewer options")
        }
        return result
    }

    /// dynamicprompts' `SamplingResult.joined`: one part as is; several joined, then one leading and one trailing
    /// separator removed.
    static func joined(_ parts: [String], separator: String) -> String {
        if parts.count == 1 { return parts[0] }
        var text = parts.joined(separator: separator)
        if !separator.isEmpty {
            if text.hasPrefix(separator) { text.removeFirst(separator.count) }
            if text.hasSuffix(separator) { text.removeLast(separator.count) }
        }
        return text
    }

    /// Splits a wrapper at its first marker: `...` (three or more dots) or a run of `…`, `⋮`, `᠁`, `⋯`.
    static func splitWrapper(_ text: String) -> (String, String) {
        let scalars = Array(text.unicodeScalars)
        let markers: Set<Unicode.Scalar> = ["\u{1801}", "\u{2026}", "\u{22EE}", "\u{22EF}"]
        var index = 0
        while index < scalars.count {
            if markers.contains(scalars[index]) {
                var end = index
                while end < scalars.count, markers.contains(scalars[end]) { end += 1 }
                return (
                    String(String.UnicodeScalarView(scalars[..<index])),
                    String(String.UnicodeScalarView(scalars[end...]))
                )
            }
            if scalars[index] == ".", index + 2 < scalars.count, scalars[index + 1] == ".", scalars[index + 2] == "." {
                var end = index
                while end < scalars.count, scalars[end] == "." { end += 1 }
                return (
                    String(String.UnicodeScalarView(scalars[..<index])),
                    String(String.UnicodeScalarView(scalars[end...]))
                )
            }
            index += 1
        }
        return (text, "")
    }
}

extension UInt64 {
    /// `1,000,000`: digits grouped by thousands, the same on every machine and locale.
    var formatted: String { Int64(clamping: self).groupedDigits }
}

extension BinaryInteger {
    /// `1,000,000`: digits grouped by thousands, the same on every machine and locale.
    var groupedDigits: String {
        let digits = Array(String(self.magnitude))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (self < 0 ? "-" : "") + out
    }
}
