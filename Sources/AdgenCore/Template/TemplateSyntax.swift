/// A parsed template, before variables, wildcards and axes are resolved. Offsets are Unicode-scalar offsets
/// into the template's text, for error positions.
indirect enum TemplateSyntax: Sendable, Hashable {
    /// Literal text.
    case text(String)
    /// Pieces one after another (their expansions multiply).
    case sequence([TemplateSyntax])
    /// `{a|b}` and its forms: options with weights, a pick range and joiner, a sampler.
    case variants(Variants)
    /// `__name__` or `__name(var=value)__`.
    case wildcard(Wildcard)
    /// `${name=value}` / `${name=!value}` / `${name?=value}`.
    case assignment(name: String, value: TemplateSyntax, immediate: Bool, overwrite: Bool, offset: Int)
    /// `${name}` or `${name:default}`.
    case access(name: String, fallback: TemplateSyntax?, offset: Int)
    /// `{{axis}}` or `{{brief.key}}` (campaign templates only).
    case reference(name: String, offset: Int)
    /// `%{wrapper$$inner}`: the inner text placed at the wrapper's `...` or `…` marker.
    case wrap(wrapper: TemplateSyntax, inner: TemplateSyntax)

    /// How a variant node is sampled.
    enum Sampler: Sendable, Hashable {
        /// Every option, in turn (the default; `!`).
        case combinatorial
        /// One option chosen at random per prompt (`~`).
        case random
        /// The options in rotation, one per prompt (`@`).
        case cyclical
    }

    /// A `{…}` node.
    struct Variants: Sendable, Hashable {
        var options: [TemplateSyntax]
        var weights: [Double]
        /// Pick bounds; `1...1` for a plain variant.
        var minimum: Int
        var maximum: Int
        var joiner: String
        var sampler: Sampler
        var offset: Int

        /// Equal content, wherever it stands (dynamicprompts compares commands by value).
        static func == (lhs: Variants, rhs: Variants) -> Bool {
            lhs.options == rhs.options && lhs.weights == rhs.weights && lhs.minimum == rhs.minimum
                && lhs.maximum == rhs.maximum && lhs.joiner == rhs.joiner && lhs.sampler == rhs.sampler
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(options)
            hasher.combine(joiner)
        }
    }

    /// A `__…__` node.
    struct Wildcard: Sendable, Hashable {
        var path: TemplateSyntax
        var sampler: Sampler
        var variables: [(String, TemplateSyntax)]
        var offset: Int

        static func == (lhs: Wildcard, rhs: Wildcard) -> Bool {
            lhs.path == rhs.path && lhs.sampler == rhs.sampler
                && lhs.variables.map(\.0) == rhs.variables.map(\.0) && lhs.variables.map(\.1) == rhs.variables.map(\.1)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(path)
        }
    }
}
