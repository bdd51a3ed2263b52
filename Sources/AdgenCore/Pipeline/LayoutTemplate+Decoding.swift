import AdgenImaging
import Foundation
import Yams

extension LayoutTemplate {
    /// The layouts built into adgen, by name; `templates/layouts/standard.yaml` is the same text as `standard`.
    public static let builtInSources: [String: String] = ["standard": standardSource]

    /// Reads the layout template at `path`, reporting every problem of the file at once as `FILE:LINE:COL`.
    public static func load(path: String, maxBytes: Int = 1 << 20) throws(CampaignError) -> LayoutTemplate {
        let bytes = try CampaignLoader.read(path, maxBytes: maxBytes, location: nil)
        return try decode(bytes: bytes, file: path)
    }

    /// The built-in layout `name`, or nil.
    public static func builtIn(named name: String) -> LayoutTemplate? {
        guard let text = builtInSources[name] else { return nil }
        // The built-in sources are tested to decode.
        return try? decode(bytes: Array(text.utf8), file: "<built-in>/\(name).yaml")
    }

    /// Decodes a layout template from its bytes; `file` names it in errors.
    public static func decode(bytes: [UInt8], file: String) throws(CampaignError) -> LayoutTemplate {
        let source = try YAMLSource(bytes: bytes, file: file, maxBytes: max(bytes.count, 1))
        var decoder = LayoutDecoder(source: source)
        let template = decoder.decode()
        guard decoder.diagnostics.isEmpty, let template else {
            throw CampaignError(
                decoder.diagnostics.isEmpty
                    ? [Diagnostic(SourceLocation(file: file, line: 1, column: 1), "the layout could not be read")]
                    : decoder.diagnostics)
        }
        return template
    }
}

/// Walks a layout template's YAML tree, collecting every problem.
struct LayoutDecoder: YAMLDecoding {
    let source: YAMLSource
    var diagnostics: [Diagnostic] = []
    var suggestedKeys: Set<String> = []

    init(source: YAMLSource) { self.source = source }

    static let topLevelKeys = ["layout", "description", "font", "arrangements"]
    static let arrangementKeys = ["name", "aspect", "margin", "elements"]
    static let boxKeys = ["box", "align", "valign"]
    static let textKeys = boxKeys + ["lines", "min_scale", "color", "flow", "shadow"]

    /// The options each kind of element takes.
    static let elementKeys: [LayoutTemplate.Kind: [String]] = [
        .headline: textKeys,
        .offer: textKeys,
        .brand: textKeys,
        .cta: boxKeys + ["min_scale", "color", "fill", "radius", "full_width"],
        .logo: boxKeys + ["fallback"],
        .bar: ["edge", "thickness", "color", "opacity"],
        .scrim: ["edge", "extent", "color", "opacity"],
        .shade: ["color", "opacity"],
        .product: boxKeys + ["scale", "shadow", "alternatives"],
    ]

    mutating func decode() -> LayoutTemplate? {
        let start = SourceLocation(file: source.file, line: 1, column: 1)
        guard let root = source.root else {
            error(at: start, "the layout file is empty", hint: "see templates/layouts/standard.yaml for an example")
            return nil
        }
        guard let pairs = mapping(root, "the layout file", allowed: Self.topLevelKeys) else { return nil }
        var template = LayoutTemplate(name: "", file: source.file, font: nil, arrangements: [])
        var arrangementsNode: Node?
        for (key, _, value) in pairs {
            switch key {
            case "layout": template.name = string(value, "layout") ?? ""
            case "description": _ = string(value, "description", allowEmpty: true)
            case "font":
                guard let font = string(value, "font") else { break }
                do {
                    try Fonts.check(font)
                    template.font = font
                } catch {
                    self.error(value, error.message)
                }
            case "arrangements":
                arrangementsNode = value
                for item in list(value, "arrangements") ?? [] {
                    if let arrangement = decodeArrangement(item) { template.arrangements.append(arrangement) }
                }
            default: break
            }
        }
        if !pairs.contains(where: { $0.key == "arrangements" }), !suggestedKeys.contains("arrangements") {
            error(
                root, "missing key 'arrangements'",
                hint: "list at least one arrangement with its elements; see templates/layouts/standard.yaml")
        } else if let arrangementsNode, template.arrangements.isEmpty, diagnostics.isEmpty {
            error(arrangementsNode, "a layout needs at least one arrangement")
        } else if let last = template.arrangements.last, last.aspect != nil, let arrangementsNode {
            error(
                arrangementsNode, "the last arrangement ('\(last.name)') has an aspect range, so some sizes have none",
                hint: "drop `aspect:` from the last arrangement: it is the one used when no other matches")
        }
        return diagnostics.isEmpty ? template : nil
    }

    mutating func decodeArrangement(_ node: Node) -> LayoutTemplate.Arrangement? {
        guard let pairs = mapping(node, "an arrangement", allowed: Self.arrangementKeys) else { return nil }
        var arrangement = LayoutTemplate.Arrangement(name: "", aspect: nil, elements: [])
        var sawElements = false
        for (key, _, value) in pairs {
            switch key {
            case "name": arrangement.name = string(value, "name") ?? ""
            case "aspect": arrangement.aspect = decodeAspect(value)
            case "margin": arrangement.margin = number(value, "margin", range: 0...0.25) ?? arrangement.margin
            case "elements":
                sawElements = true
                for item in list(value, "elements") ?? [] {
                    if let element = decodeElement(item) { arrangement.elements.append(element) }
                }
            default: break
            }
        }
        if !sawElements, !suggestedKeys.contains("elements") {
            error(
                node, "an arrangement needs 'elements'",
                hint: "e.g. `elements: [ { headline: { box: [0, 0, 1, 0.3] } } ]`")
        }
        return arrangement
    }

    /// `aspect: { min: 3 }`, `{ max: 0.5 }` or both: width / height.
    mutating func decodeAspect(_ node: Node) -> ClosedRange<Double>? {
        guard let pairs = mapping(node, "aspect", allowed: ["min", "max"]) else { return nil }
        var low = 0.0
        var high = Double.greatestFiniteMagnitude
        for (key, _, value) in pairs {
            guard let bound = number(value, "aspect.\(key)", range: 0.01...100) else { continue }
            if key == "min" { low = bound } else { high = bound }
        }
        guard low <= high else {
            error(node, "aspect.min (\(low)) is larger than aspect.max (\(high))")
            return nil
        }
        return low...high
    }

    mutating func decodeElement(_ node: Node) -> LayoutTemplate.Element? {
        let kinds = LayoutTemplate.Kind.allCases.map(\.rawValue)
        let kindNode: Node
        let options: Node?
        if let name = node.scalar?.string, !Self.isNull(node) {
            kindNode = node
            options = nil
            _ = name
        } else {
            guard let pairs = mapping(node, "an element") else { return nil }
            guard pairs.count == 1, let pair = pairs.first else {
                error(
                    node,
                    "an element is one key (its kind) with its options, e.g. `- headline: { box: [0, 0, 1, 0.3] }`")
                return nil
            }
            kindNode = pair.keyNode
            options = Self.isNull(pair.value) ? nil : pair.value
        }
        let name = kindNode.scalar?.string ?? ""
        guard let kind = LayoutTemplate.Kind(rawValue: name) else {
            error(kindNode, "unknown element '\(name)'", hint: Suggestion.hint(for: name, in: kinds, noun: "element"))
            return nil
        }
        var element = LayoutTemplate.Element(kind: kind)
        if [.bar, .scrim].contains(kind) { element.color = .dark }
        if kind == .bar {
            element.color = .accent
            element.opacity = 1
            element.edge = .bottom
        }
        if kind == .shade { element.opacity = 0.5 }
        if kind == .product {
            element.align = .centre
            element.valign = .bottom
        }
        var sawBox = false
        if let options {
            let allowed = Self.elementKeys[kind] ?? []
            for (key, _, value) in mapping(options, "element '\(name)'", allowed: allowed) ?? [] {
                switch key {
                case "box":
                    sawBox = true
                    element.box = decodeBox(value) ?? element.box
                case "align": element.align = choice(value, "align", default: element.align)
                case "valign": element.valign = choice(value, "valign", default: element.valign)
                case "edge": element.edge = choice(value, "edge", default: element.edge)
                case "lines": element.lines = integer(value, "lines", range: 1...8) ?? element.lines
                case "min_scale": element.minScale = number(value, "min_scale", range: 0.2...1) ?? element.minScale
                case "color": element.color = color(value, "color") ?? element.color
                case "fill": element.fill = color(value, "fill") ?? element.fill
                case "opacity": element.opacity = number(value, "opacity", range: 0...1) ?? element.opacity
                case "extent": element.extent = number(value, "extent", range: 0...1) ?? element.extent
                case "thickness": element.thickness = number(value, "thickness", range: 0...0.25) ?? element.thickness
                case "radius": element.radius = number(value, "radius", range: 0...0.5) ?? element.radius
                case "full_width": element.fullWidth = bool(value, "full_width") ?? element.fullWidth
                case "flow": element.flow = bool(value, "flow") ?? element.flow
                case "shadow": element.shadow = bool(value, "shadow") ?? element.shadow
                case "scale": element.scale = number(value, "scale", range: 0.2...1) ?? element.scale
                case "alternatives":
                    element.alternatives = (list(value, "alternatives") ?? []).compactMap { decodeBox($0) }
                case "fallback": element.fallbackToName = bool(value, "fallback") ?? element.fallbackToName
                default: break
                }
            }
        }
        if !sawBox, Self.elementKeys[kind]?.contains("box") == true {
            error(
                kindNode, "element '\(name)' needs a 'box'",
                hint: "`box: [x, y, width, height]` in shares (0 to 1) of the safe area, e.g. `box: [0, 0, 1, 0.25]`")
        }
        return element
    }

    /// `[x, y, width, height]`, each 0…1, inside the unit square.
    mutating func decodeBox(_ node: Node) -> LayoutTemplate.Box? {
        guard let items = list(node, "box") else { return nil }
        guard items.count == 4 else {
            error(node, "box must have four numbers [x, y, width, height], found \(items.count)")
            return nil
        }
        let names = ["x", "y", "width", "height"]
        let values = zip(items, names).map { number($0, "box \($1)", range: 0...1) }
        guard values.allSatisfy({ $0 != nil }) else { return nil }
        let box = LayoutTemplate.Box(x: values[0]!, y: values[1]!, width: values[2]!, height: values[3]!)
        guard box.width > 0, box.height > 0 else {
            error(node, "box width and height must be above 0")
            return nil
        }
        guard box.x + box.width <= 1.0001, box.y + box.height <= 1.0001 else {
            error(
                node, "box [\(box.x), \(box.y), \(box.width), \(box.height)] reaches outside the safe area",
                hint: "x + width and y + height must be at most 1: boxes are shares of the safe area")
            return nil
        }
        return box
    }

    mutating func choice<Value: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, default value: Value)
        -> Value where Value.RawValue == String
    {
        guard let text = string(node, what) else { return value }
        let normalised = text == "center" ? "centre" : text
        if let chosen = Value(rawValue: normalised) { return chosen }
        let names = Value.allCases.map(\.rawValue)
        error(node, "\(what) must be one of \(names.joined(separator: ", ")), found '\(text)'")
        return value
    }

    mutating func color(_ node: Node, _ what: String) -> LayoutTemplate.ColorReference? {
        guard let text = string(node, what) else { return nil }
        switch text {
        case "accent": return .accent
        case "dark": return .dark
        case "light": return .light
        case "white": return .white
        default:
            if let hex = CampaignDecoder.normalisedHexColor(text) { return .hex(hex) }
            error(
                node, "\(what) '\(text)' is not a colour",
                hint: "use accent, dark, light, white or \"#RRGGBB\" (quoted: # starts a YAML comment)")
            return nil
        }
    }
}
