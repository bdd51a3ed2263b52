import AdgenImaging
import Foundation
import Yams

extension CampaignDecoder {
    /// One item of `pipeline:` as read: its step name, where it is, and its typed spec (nil when its options had
    /// errors, which are already reported; the item still takes part in the checks of the steps' order).
    struct PipelineEntry {
        var name: String
        var node: Node
        var spec: PipelineStepSpec?
        /// An upscale's factor, for the hint when two follow each other.
        var factor: Double?
    }

    /// Steps that must come before others, and why.
    static let pipelineOrder: [(first: String, then: String, reason: String)] = [
        (
            "upscale", "crop",
            "the crop sets the creative's size, so an upscale after it would make it larger than its size"
        ),
        (
            "upscale", "layout",
            "the layout is drawn at the creative's size, so an upscale after it would enlarge it past its size"
        ),
        ("remove_background", "layout", "it would cut the layout's text and buttons out with the background"),
        ("crop", "layout", "a crop after the layout would cut the layout off"),
    ]

    /// Steps a pipeline has at most once, and why.
    static let pipelineOnce: [String: String] = [
        "remove_background": "the background is removed once",
        "crop": "each creative is cropped once",
        "layout": "a second layout would draw the copy again on top of the first",
        "encode": "the file is written once, by the last step",
    ]

    /// Reads `pipeline:` into typed steps, reporting every bad value and every misplaced step.
    /// `generation` supplies `remove_background`'s provider when the step names none.
    mutating func decodePipeline(_ node: Node, generation: GenerationSettings) -> [PipelineStepSpec] {
        var entries = [PipelineEntry]()
        for item in list(node, "pipeline") ?? [] {
            if let entry = decodePipelineItem(item, generation: generation) { entries.append(entry) }
        }
        checkPipelineOrder(entries)
        return entries.compactMap(\.spec)
    }

    /// One item: `- crop`, `- crop:`, `- crop: attention` or `- crop: { strategy: attention }`.
    mutating func decodePipelineItem(_ item: Node, generation: GenerationSettings) -> PipelineEntry? {
        let names = PipelineStepSpec.known.map(\.name)
        let name: String
        let nameNode: Node
        var value: Node?
        if let scalar = item.scalar?.string, !Self.isNull(item) {
            (name, nameNode) = (scalar, item)
        } else {
            guard let pairs = mapping(item, "a pipeline step") else { return nil }
            guard pairs.count == 1, let (key, keyNode, options) = pairs.first else {
                error(
                    item,
                    "a pipeline step is one key (the step) with its options, e.g. `- crop: { strategy: attention }`")
                return nil
            }
            (name, nameNode, value) = (key, keyNode, options)
        }
        guard let allowed = PipelineStepSpec.known.first(where: { $0.name == name })?.options else {
            error(
                nameNode, "unknown pipeline step '\(name)'", hint: Suggestion.hint(for: name, in: names, noun: "step"))
            return nil
        }
        var options = [String: Node]()
        var valid = true
        if let value, !Self.isNull(value) {
            if value.scalar != nil {
                options[allowed[0]] = value
            } else if let pairs = mapping(value, "pipeline step '\(name)'", allowed: allowed) {
                for (option, _, optionValue) in pairs { options[option] = optionValue }
                valid = pairs.count == (value.mapping?.count ?? 0)
            } else {
                valid = false
            }
        }
        var entry = PipelineEntry(name: name, node: item, spec: nil)
        switch name {
        case "upscale":
            entry.factor = upscaleFactor(options["factor"])
            entry.spec = entry.factor.map { .upscale(factor: $0) }
        case "remove_background":
            entry.spec = removeBackground(options, step: item, generation: generation)
        case "crop":
            entry.spec = cropStrategy(options["strategy"]).map { .crop($0) }
        case "layout":
            var template: String?
            if let node = options["template"] {
                guard let text = string(node, "layout.template") else { return entry }
                template = text
            }
            entry.spec = decodeLayout(template, node: options["template"] ?? item).map { .layout($0) }
        default:
            entry.spec = encode(options)
        }
        if !valid { entry.spec = nil }
        return entry
    }

    /// `upscale.factor`: a number above 1 and at most 8; 2 when not given.
    mutating func upscaleFactor(_ node: Node?) -> Double? {
        guard let node else { return PipelineStepSpec.defaultUpscaleFactor }
        let range = PipelineStepSpec.upscaleFactors
        guard let factor = number(node, "upscale.factor", range: range) else { return nil }
        guard factor > range.lowerBound else {
            error(
                node, "upscale.factor must be more than 1, found \(factor)",
                hint: "a factor of 1 changes nothing: remove the step, or enlarge, e.g. `factor: 2`")
            return nil
        }
        return factor
    }

    /// `crop.strategy`: one of `CropStrategy`; attention when not given.
    mutating func cropStrategy(_ node: Node?) -> CropStrategy? {
        guard let node else { return .attention }
        guard let text = string(node, "crop.strategy") else { return nil }
        if let strategy = CropStrategy(rawValue: text) { return strategy }
        error(
            node, "unknown crop strategy '\(text)'",
            hint: Suggestion.hint(for: text, in: CropStrategy.allCases.map(\.rawValue), noun: "strategy"))
        return nil
    }

    /// `encode {format, quality, max_kb}`: a format this libvips writes, quality 1…100, a limit above 0.
    mutating func encode(_ options: [String: Node]) -> PipelineStepSpec? {
        var format = ImageFormat.jpeg
        var valid = true
        if let node = options["format"] {
            if let text = string(node, "encode.format") {
                if let known = ImageFormat(rawValue: text == "jpg" ? "jpeg" : text),
                    PipelineStepSpec.formatNames.contains(text)
                {
                    format = known
                    if !known.isAvailable {
                        error(
                            node, "this libvips cannot write \(text) (it needs libheif with an AV1 encoder)",
                            hint: "use jpeg, png or webp")
                        valid = false
                    }
                } else {
                    let writable = PipelineStepSpec.formatNames.filter {
                        ImageFormat(rawValue: $0 == "jpg" ? "jpeg" : $0)?.isAvailable == true
                    }
                    error(
                        node, "unknown encode.format '\(text)'",
                        hint: Suggestion.hint(for: text, in: writable, noun: "format"))
                    valid = false
                }
            } else {
                valid = false
            }
        }
        var quality = PipelineStepSpec.defaultQuality
        if let node = options["quality"] {
            if let value = integer(node, "encode.quality", range: PipelineStepSpec.qualities) {
                quality = value
            } else {
                valid = false
            }
        }
        var maxKB: Int?
        if let node = options["max_kb"] {
            maxKB = integer(node, "encode.max_kb (kilobytes)", range: PipelineStepSpec.maxKBRange)
            if maxKB == nil { valid = false }
        }
        return valid ? .encode(format: format, quality: quality, maxKB: maxKB) : nil
    }

    /// `remove_background {provider, model}`: a provider with a background-removal model (the step's, else
    /// `generation.provider`) and, when given, a model of that provider's form.
    mutating func removeBackground(_ options: [String: Node], step: Node, generation: GenerationSettings)
        -> PipelineStepSpec?
    {
        let able = BackgroundRemovalProvider.allCases.map(\.rawValue)
        let listed = able.joined(separator: " or ")
        var provider: BackgroundRemovalProvider?
        if let node = options["provider"] {
            guard let text = string(node, "remove_background.provider") else { return nil }
            provider = BackgroundRemovalProvider(rawValue: text)
            if provider == nil, GenerationSettings.knownProviders.contains(text) {
                error(
                    node, "provider '\(text)' has no background-removal model",
                    hint: "only \(listed) can remove backgrounds, e.g. `- remove_background: { provider: replicate }`")
            } else if provider == nil {
                let known = Suggestion.closest(to: text, in: able).map { "did you mean '\($0)'? " } ?? ""
                error(
                    node, "unknown provider '\(text)' for remove_background",
                    hint: "\(known)the providers that can remove backgrounds: \(listed)")
            }
        } else {
            provider = BackgroundRemovalProvider(rawValue: generation.provider)
            if provider == nil {
                error(
                    step,
                    "remove_background runs on generation.provider '\(generation.provider)', which has no background-removal model",
                    hint:
                        "name a provider that has one (\(listed)), e.g. `- remove_background: { provider: replicate }`")
            }
        }
        var model: String?
        if let node = options["model"] {
            guard let text = string(node, "remove_background.model") else { return nil }
            if let provider, let problem = provider.problem(withModel: text) {
                error(node, "remove_background.model \(problem)")
                return nil
            }
            model = text
        }
        return provider.map { .removeBackground(provider: $0, model: model) }
    }

    /// The rules of the steps' order: `encode` last, `upscale`, `remove_background` and `crop` before `layout`,
    /// `upscale` before `crop`, no two upscales in a row, and at most one of each other step.
    mutating func checkPipelineOrder(_ entries: [PipelineEntry]) {
        var seen = [String: Node]()
        for (index, entry) in entries.enumerated() {
            let at = source.location(of: entry.node)
            if let reason = Self.pipelineOnce[entry.name], let first = seen[entry.name] {
                error(
                    at: at,
                    "the pipeline has a second '\(entry.name)' step (the first is at line \(source.location(of: first).line))",
                    hint: "keep one: \(reason)")
                continue
            }
            seen[entry.name] = seen[entry.name] ?? entry.node
            if entry.name == "upscale", index > 0, entries[index - 1].name == "upscale" {
                let product = (entries[index - 1].factor ?? 0) * (entry.factor ?? 0)
                let range = PipelineStepSpec.upscaleFactors
                let suggestion =
                    range.contains(product)
                    ? "write one step with the product of the factors: `- upscale: { factor: \(product.yamlText) }`"
                    : "write one step with the factor you want (at most \(range.upperBound.yamlText))"
                error(at: at, "two upscale steps in a row", hint: suggestion)
                continue
            }
            if entry.name == "encode", index < entries.count - 1 {
                let next = entries[index + 1]
                error(
                    at: at,
                    "encode must be the last step; '\(next.name)' (line \(source.location(of: next.node).line)) comes after it",
                    hint:
                        "move encode to the end of the list: it writes the file, so a step after it would change nothing"
                )
                continue
            }
            for rule in Self.pipelineOrder where rule.first == entry.name {
                if let later = entries[..<index].first(where: { $0.name == rule.then }) {
                    error(
                        at: at,
                        "\(rule.first) must come before \(rule.then) (line \(source.location(of: later.node).line)): \(rule.reason)",
                        hint: "move it up the list")
                    break
                }
            }
        }
    }

    /// The layout template a `layout` step names: a path (with a `/` or ending in `.yaml`) against the
    /// campaign's folder, else `templates/layouts/NAME.yaml` beside the campaign, else a built-in layout;
    /// `standard` when the step names none. Errors point at `node`.
    mutating func decodeLayout(_ name: String?, node: Node) -> LayoutTemplate? {
        let name = name ?? "standard"
        let isPath = name.contains("/") || name.hasSuffix(".yaml") || name.hasSuffix(".yml")
        guard
            let path = resolve(isPath ? name : "templates/layouts/\(name).yaml", at: node, what: "the layout template")
        else { return nil }
        if FileManager.default.fileExists(atPath: path) {
            do {
                let bytes = try CampaignLoader.read(path, maxBytes: configuration.maxFileBytes, location: nil)
                return try LayoutTemplate.decode(bytes: bytes, file: DisplayPath.relative(path))
            } catch {
                diagnostics += error.diagnostics
                return nil
            }
        }
        if !isPath, let builtIn = LayoutTemplate.builtIn(named: name) { return builtIn }
        let builtIns = LayoutTemplate.builtInSources.keys.sorted().joined(separator: ", ")
        error(
            node, "layout template not found: \(name)",
            hint: isPath
                ? "paths are relative to the campaign file's folder"
                : "name a file (templates/layouts/NAME.yaml beside the campaign) or a built-in layout: \(builtIns)")
        return nil
    }
}

extension Double {
    /// `2` for 2.0, `1.5` for 1.5: a number as a person writes it in YAML.
    fileprivate var yamlText: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
