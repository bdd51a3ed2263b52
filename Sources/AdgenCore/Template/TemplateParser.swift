/// Parses the template language (dynamicprompts' grammar, plus `{{axis}}` references and lone `$`/`%` as text).
///
/// Recursive descent over Unicode scalars with an explicit nesting limit, so a 20,000-deep template is an error
/// at its 65th brace, not a stack overflow.
struct TemplateParser {
    /// The deepest nesting of `{…}`, `${…}` and `%{…}` accepted.
    static let maxDepth = 64

    let text: [Unicode.Scalar]
    /// Whether `{{name}}` is an axis or brief reference (campaign templates) or dynamicprompts' nested variant.
    let references: Bool
    var position = 0
    var depth = 0

    init(_ source: String, references: Bool) {
        text = Self.expandingTabs(source)
        self.references = references
    }

    /// Where a piece of text ends.
    enum Context {
        /// The whole template: stops at nothing.
        case top
        /// A variant option, variable value or wrap part: stops at `|`, `}` and `$$`.
        case option
        /// A wildcard path: stops at `__` and `(`.
        case wildcardPath
    }

    /// Parses the whole template.
    static func parse(_ source: String, references: Bool) throws(TemplateError) -> TemplateSyntax {
        var parser = TemplateParser(source, references: references)
        let syntax = try parser.sequence(.top)
        precondition(parser.position == parser.text.count)
        return syntax
    }

    /// Tabs become spaces to the next multiple of 8 columns, as dynamicprompts' parser (pyparsing) does.
    static func expandingTabs(_ source: String) -> [Unicode.Scalar] {
        var result = [Unicode.Scalar]()
        result.reserveCapacity(source.unicodeScalars.count)
        var column = 0
        for scalar in source.unicodeScalars {
            switch scalar {
            case "\t":
                let spaces = 8 - column % 8
                result.append(contentsOf: repeatElement(" ", count: spaces))
                column += spaces
            case "\n", "\r":
                result.append(scalar)
                column = 0
            default:
                result.append(scalar)
                column += 1
            }
        }
        return result
    }

    // MARK: Scanning helpers

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        position + offset < text.count ? text[position + offset] : nil
    }

    func looking(at string: String) -> Bool {
        var index = position
        for scalar in string.unicodeScalars {
            guard index < text.count, text[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    mutating func skipWhitespace() {
        while let scalar = peek(), Self.isWhitespace(scalar) { position += 1 }
    }

    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar == "-" || (scalar.isASCII && scalar.properties.isAlphabetic)
    }

    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isNameStart(scalar) || ("0"..."9").contains(scalar)
    }

    mutating func name() -> String? {
        guard let first = peek(), Self.isNameStart(first) else { return nil }
        var result = String.UnicodeScalarView()
        while let scalar = peek(), Self.isNameCharacter(scalar) {
            result.append(scalar)
            position += 1
        }
        return String(result)
    }

    mutating func enter(_ offset: Int) throws(TemplateError) {
        depth += 1
        if depth > Self.maxDepth {
            throw TemplateError(
                at: offset, "nesting deeper than \(Self.maxDepth) levels",
                hint: "a template needs a few levels; check for runaway braces")
        }
    }

    // MARK: Grammar

    /// A run of chunks up to the end of its context.
    ///
    /// Comments follow dynamicprompts' parser (pyparsing "ignorables"): where a chunk may start, whitespace
    /// followed by `#…`, `//…` or `/*…*/` is skipped with the comment; inside running text only `#` starts one,
    /// and text on both sides of such a comment is joined with a space.
    mutating func sequence(_ context: Context) throws(TemplateError) -> TemplateSyntax {
        var items = [TemplateSyntax]()
        var literal = String.UnicodeScalarView()
        func flush() {
            if !literal.isEmpty {
                items.append(.text(String(literal)))
                literal = String.UnicodeScalarView()
            }
        }
        var joinAfterComment = false
        while true {
            if literal.isEmpty {
                skipIgnorables()
            } else if peek() == "#" {
                skipIgnorables()
                joinAfterComment = true
            }
            guard let scalar = peek() else { break }
            switch context {
            case .top: break
            case .option:
                if scalar == "|" || scalar == "}" || looking(at: "$$") { flush(); return Self.joined(items) }
            case .wildcardPath:
                if looking(at: "__") || scalar == "(" || scalar == ")" || scalar == "|" || scalar == "}" {
                    flush()
                    return Self.joined(items)
                }
            }
            let start = position
            if scalar == "$", peek(1) == "{" {
                flush()
                items.append(try variable(allowAssignment: context == .top, nameIsDefault: context == .wildcardPath))
            } else if scalar == "%", peek(1) == "{" {
                flush()
                items.append(try wrap())
            } else if scalar == "{" {
                flush()
                if references, let reference = reference() {
                    items.append(reference)
                } else {
                    items.append(try variants())
                }
            } else if context != .wildcardPath, looking(at: "__"), let wildcard = try wildcard() {
                flush()
                items.append(wildcard)
            } else {
                if joinAfterComment, !literal.isEmpty { literal.append(" ") }
                joinAfterComment = false
                literal.append(scalar)
                position += 1
                // `__` that does not start a wildcard is text; keep both underscores together.
                if scalar == "_", peek() == "_", context != .wildcardPath, position == start + 1 {
                    literal.append("_")
                    position += 1
                }
                continue
            }
            joinAfterComment = false
        }
        flush()
        return Self.joined(items)
    }

    /// Skips whitespace followed by a comment, repeatedly; leaves whitespace alone when no comment follows it.
    mutating func skipIgnorables() {
        while true {
            let saved = position
            skipWhitespace()
            if peek() == "#" || looking(at: "//") {
                while let scalar = peek(), scalar != "\n" { position += 1 }
                continue
            }
            if looking(at: "/*") {
                var probe = position + 2
                while probe + 1 < text.count, !(text[probe] == "*" && text[probe + 1] == "/") { probe += 1 }
                if probe + 1 < text.count {
                    position = probe + 2
                    continue
                }
            }
            position = saved
            return
        }
    }

    static func joined(_ items: [TemplateSyntax]) -> TemplateSyntax {
        items.count == 1 ? items[0] : .sequence(items)
    }

    /// `{{name}}` or `{{brief.key}}`, with optional spaces inside; nil (position unchanged) when it is not one.
    mutating func reference() -> TemplateSyntax? {
        let start = position
        guard looking(at: "{{") else { return nil }
        position += 2
        skipWhitespace()
        var prefix = ""
        if looking(at: "brief.") {
            position += 6
            prefix = "brief."
        }
        guard let identifier = name() else {
            position = start
            return nil
        }
        let name = prefix + identifier
        skipWhitespace()
        guard looking(at: "}}") else {
            position = start
            return nil
        }
        position += 2
        return .reference(name: name, offset: start + 2)
    }

    /// `{…}` in all its forms.
    mutating func variants() throws(TemplateError) -> TemplateSyntax {
        let start = position
        try enter(start)
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        var sampler = TemplateSyntax.Sampler.combinatorial
        switch peek() {
        case "~": sampler = .random; position += 1
        case "@": sampler = .cyclical; position += 1
        case "!": position += 1
        default: break
        }
        let bounds = self.bounds()
        skipWhitespace()
        var options = [TemplateSyntax]()
        var weights = [Double]()
        while true {
            skipWhitespace()
            weights.append(weight() ?? 1)
            options.append(try sequence(.option))
            guard let scalar = peek() else {
                throw TemplateError(at: start, "this '{' is never closed", hint: "add the matching '}'")
            }
            if scalar == "|" {
                position += 1
                continue
            }
            if scalar == "}" {
                position += 1
                break
            }
            // `$$` outside a pick prefix.
            throw TemplateError(
                at: position, "unexpected '$$' inside a variant",
                hint: "'$$' only follows a pick count at the start, as in {2$$a|b|c} or {2$$ and $$a|b|c}")
        }
        let count = options.count
        var minimum = 1
        var maximum = 1
        var joiner = ","
        if let (low, high, separator) = bounds {
            minimum = low ?? 1
            maximum = high ?? count
            joiner = separator
        }
        (minimum, maximum) = (Swift.min(minimum, maximum), Swift.max(minimum, maximum))
        return .variants(
            .init(
                options: options, weights: weights, minimum: Swift.max(0, minimum), maximum: maximum, joiner: joiner,
                sampler: sampler, offset: start))
    }

    /// `N$$`, `N-M$$`, `-M$$`, `N-$$`, each optionally followed by `JOINER$$`; nil (position unchanged) otherwise.
    mutating func bounds() -> (Int?, Int?, String)? {
        let start = position
        func integer() -> Int? {
            var digits = 0
            var value = 0
            while let scalar = peek(), ("0"..."9").contains(scalar) {
                value = value.multipliedReportingOverflow(by: 10).partialValue &+ Int(scalar.value - 48)
                digits += 1
                position += 1
            }
            return digits > 0 ? Swift.min(value, 1 << 20) : nil
        }
        var low: Int?
        var high: Int?
        var exact = false
        if peek() == "-" {
            position += 1
            guard let upper = integer() else {
                position = start
                return nil
            }
            high = upper
        } else if let lower = integer() {
            low = lower
            if peek() == "-" {
                position += 1
                high = integer()
            } else {
                exact = true
            }
        } else {
            return nil
        }
        guard looking(at: "$$") else {
            position = start
            return nil
        }
        position += 2
        if exact { high = low }
        // An optional joiner: printable ASCII and spaces, but not `$`, `{` or `}`, then `$$`.
        let joinerStart = position
        var joiner = String.UnicodeScalarView()
        while let scalar = peek(), scalar.isASCII, scalar.value >= 0x20, scalar.value < 0x7F, scalar != "$",
            scalar != "{", scalar != "}"
        {
            joiner.append(scalar)
            position += 1
        }
        if !joiner.isEmpty, looking(at: "$$") {
            position += 2
            return (low, high, String(joiner))
        }
        position = joinerStart
        return (low, high, ",")
    }

    /// `2::`, `0.5::`, `-1.5::` before an option (pyparsing's signed real or unsigned integer); nil (position
    /// unchanged) otherwise.
    mutating func weight() -> Double? {
        let start = position
        var number = String.UnicodeScalarView()
        func digits() -> Int {
            var count = 0
            while let scalar = peek(), ("0"..."9").contains(scalar) {
                number.append(scalar)
                position += 1
                count += 1
            }
            return count
        }
        var signed = false
        if let sign = peek(), sign == "+" || sign == "-" {
            number.append(sign)
            position += 1
            signed = true
        }
        var mantissa = digits()
        var fraction = false
        if peek() == "." {
            number.append(".")
            position += 1
            fraction = true
            mantissa += digits()
        }
        let valid = mantissa > 0 && (fraction || !signed)
        guard valid, looking(at: "::"), let value = Double(String(number)), value.isFinite else {
            position = start
            return nil
        }
        position += 2
        return value
    }

    /// `__path__`, `__~path__`, `__path(var=value)__`; nil (position unchanged) when the text is not a wildcard.
    /// The path may use `${var}` (defaulting to the name itself) and variants (their first expansion is used).
    mutating func wildcard() throws(TemplateError) -> TemplateSyntax? {
        let start = position
        position += 2
        var sampler = TemplateSyntax.Sampler.combinatorial
        switch peek() {
        case "~": sampler = .random; position += 1
        case "@": sampler = .cyclical; position += 1
        case "!": position += 1
        default: break
        }
        let path: TemplateSyntax
        do {
            path = try sequence(.wildcardPath)
        } catch {
            position = start
            return nil
        }
        var variables = [(String, TemplateSyntax)]()
        if peek() == "(" {
            let specStart = position + 1
            var spec = String.UnicodeScalarView()
            position += 1
            while let scalar = peek(), scalar != ")" {
                spec.append(scalar)
                position += 1
            }
            guard peek() == ")" else {
                position = start
                return nil
            }
            position += 1
            var offset = specStart
            for pair in String(spec).split(separator: ",", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = parts[0].trimmingCharacters(in: .whitespaces)
                let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                do {
                    var inner = TemplateParser(value, references: references)
                    inner.depth = depth + 1
                    variables.append((key, try inner.sequence(.top)))
                } catch {
                    throw TemplateError(
                        error.problems.map {
                            var problem = $0
                            if case .offset(let at) = $0.place { problem.place = .offset(offset + at) }
                            return problem
                        })
                }
                offset += pair.unicodeScalars.count + 1
            }
        }
        guard path != .sequence([]), looking(at: "__") else {
            position = start
            return nil
        }
        position += 2
        return .wildcard(.init(path: path, sampler: sampler, variables: variables, offset: start))
    }

    /// `${name}`, `${name:default}`, and at the top level `${name=value}`, `${name=!value}`, `${name?=value}`.
    mutating func variable(allowAssignment: Bool, nameIsDefault: Bool = false) throws(TemplateError) -> TemplateSyntax {
        let start = position
        try enter(start)
        defer { depth -= 1 }
        position += 2
        skipWhitespace()
        guard let name = name() else {
            throw TemplateError(
                at: position, "expected a variable name after '${'",
                hint:
                    "write ${name=value} to set a variable, ${name} to use it; for a literal '$', do not follow it with '{'"
            )
        }
        skipWhitespace()
        var overwrite = true
        if peek() == "?", peek(1) == "=" {
            overwrite = false
            position += 1
        }
        if peek() == "=" {
            guard allowAssignment else {
                throw TemplateError(
                    at: start, "a variable can only be set at the top level of a template, not inside {…}",
                    hint: "move ${\(name)=…} out of the braces")
            }
            position += 1
            var immediate = false
            if peek() == "!" {
                immediate = true
                position += 1
            }
            skipWhitespace()
            let value = try sequence(.option)
            try close(start, what: "${\(name)=…}")
            return .assignment(name: name, value: value, immediate: immediate, overwrite: overwrite, offset: start)
        }
        var fallback: TemplateSyntax? = nameIsDefault ? .text(name) : nil
        if peek() == ":" {
            position += 1
            skipWhitespace()
            fallback = try sequence(.option)
        }
        try close(start, what: "${\(name)}")
        return .access(name: name, fallback: fallback, offset: start)
    }

    /// Expects the `}` closing the construct that began at `start`.
    mutating func close(_ start: Int, what: String) throws(TemplateError) {
        skipWhitespace()
        guard peek() == "}" else {
            if peek() == "|" {
                throw TemplateError(
                    at: position, "'|' inside \(what)", hint: "wrap alternatives in braces: ${x={a|b}}")
            }
            throw TemplateError(at: start, "\(what) is never closed", hint: "add the matching '}'")
        }
        position += 1
    }

    /// `%{wrapper$$inner}`.
    mutating func wrap() throws(TemplateError) -> TemplateSyntax {
        let start = position
        try enter(start)
        defer { depth -= 1 }
        position += 2
        skipWhitespace()
        let wrapper = try sequence(.option)
        guard looking(at: "$$") else {
            throw TemplateError(at: start, "%{…} needs a wrapper and an inner part: %{wrapper … $$inner}")
        }
        position += 2
        skipWhitespace()
        let inner = try sequence(.option)
        guard peek() == "}" else {
            throw TemplateError(at: start, "this '%{' is never closed", hint: "add the matching '}'")
        }
        position += 1
        return .wrap(wrapper: wrapper, inner: inner)
    }
}
