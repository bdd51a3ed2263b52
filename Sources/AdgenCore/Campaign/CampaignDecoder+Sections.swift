import AdgenImaging
import Foundation
import Yams

extension CampaignDecoder {
    mutating func decodeBrand(_ node: Node) -> Brand {
        var brand = Brand(name: "", colors: [], font: nil, logo: nil)
        guard let pairs = mapping(node, "brand", allowed: ["name", "colors", "font", "logo"]) else { return brand }
        if !pairs.contains(where: { $0.key == "name" }) {
            error(node, "brand needs a 'name'", hint: "e.g. `brand: { name: Acme Running }`")
        }
        for (key, _, value) in pairs {
            switch key {
            case "name": brand.name = string(value, "brand.name") ?? ""
            case "colors":
                for item in list(value, "brand.colors") ?? [] {
                    guard let text = string(item, "a brand colour") else { continue }
                    if let hex = Self.normalisedHexColor(text) {
                        brand.colors.append(hex)
                    } else {
                        error(
                            item, "'\(text)' is not a colour",
                            hint: "write colours as #RRGGBB or #RGB, e.g. \"#FF5A1F\" (quoted: # starts a YAML comment)"
                        )
                    }
                }
            case "font":
                guard let font = string(value, "brand.font") else { break }
                do {
                    try Fonts.check(font)
                    brand.font = font
                } catch {
                    self.error(value, error.message)
                }
            case "logo":
                if let path = string(value, "brand.logo") {
                    guard let resolved = resolve(path, at: value, what: "the logo") else { break }
                    if FileManager.default.fileExists(atPath: resolved) {
                        do {
                            let bytes = try CampaignLoader.read(resolved, maxBytes: 20 << 20, location: nil)
                            _ = try Image.decode(bytes)
                            brand.logo = resolved
                            brand.logoSHA256 = Product.digest(bytes)
                            brand.logoMediaType = ImageFormat.detect(bytes)?.mediaType
                        } catch let error as ImagingError {
                            self.error(
                                value, "the logo \(path) cannot be used: \(error.message)",
                                hint: "use a PNG, JPEG, WebP or SVG file")
                        } catch {
                            self.error(value, "the logo \(path) cannot be read: \(error)")
                        }
                    } else {
                        error(
                            value, "logo file not found: \(path)",
                            hint: "paths are relative to the campaign file's folder")
                    }
                }
            default: break
            }
        }
        return brand
    }

    static func normalisedHexColor(_ text: String) -> String? {
        let body = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
        guard body.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        switch body.count {
        case 6: return "#" + body.uppercased()
        case 3: return "#" + body.map { "\($0)\($0)" }.joined().uppercased()
        default: return nil
        }
    }

    mutating func decodeBrief(_ node: Node) -> [BriefField] {
        guard let pairs = mapping(node, "brief") else { return [] }
        var fields = [BriefField]()
        for (key, keyNode, value) in pairs {
            guard Self.isIdentifier(key) else {
                error(
                    keyNode, "brief key '\(key)' must be a name (letters, digits, '_' or '-')",
                    hint: "it is used as {{brief.\(key)}}")
                continue
            }
            if let text = string(value, "brief.\(key)", allowEmpty: true) {
                fields.append(BriefField(key: key, value: text))
            }
        }
        return fields
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy {
            $0 == "_" || $0 == "-" || $0.properties.isAlphabetic || ("0"..."9").contains($0)
        }
    }

    mutating func decodeAxes(_ node: Node) -> [Axis] {
        guard let pairs = mapping(node, "axes") else { return [] }
        var axes = [Axis]()
        for (name, keyNode, value) in pairs {
            guard Self.isIdentifier(name), name != "brief" else {
                error(
                    keyNode, "axis name '\(name)' must be a name (letters, digits, '_' or '-'), not 'brief'",
                    hint: "it is used as {{\(name)}}")
                continue
            }
            guard let items = list(value, "axis '\(name)'", allowSingle: true) else { continue }
            if items.isEmpty {
                error(value, "axis '\(name)' has no values", hint: "give it at least one value, or remove the axis")
                brokenAxes.append(name)
                continue
            }
            var values = [String]()
            var seen = [String: Node]()
            for item in items {
                guard let text = string(item, "a value of axis '\(name)'") else { continue }
                if seen[text] != nil {
                    error(
                        item, "axis '\(name)' lists '\(text)' twice",
                        hint: "remove the repeat; it would double those variants")
                    continue
                }
                seen[text] = item
                values.append(text)
            }
            if !values.isEmpty { axes.append(Axis(name: name, values: values)) }
        }
        return axes
    }

    mutating func decodeWildcardFolders(_ node: Node?) -> [String] {
        var folders = [String]()
        if let node {
            for item in list(node, "wildcards", allowSingle: true) ?? [] {
                guard let path = string(item, "a wildcards folder"),
                    let resolved = resolve(path, at: item, what: "the wildcards folder")
                else { continue }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue {
                    folders.append(resolved)
                } else {
                    error(
                        item, "wildcards folder not found: \(path)",
                        hint: "paths are relative to the campaign file's folder")
                }
            }
        }
        let beside = resolve("templates/wildcards")
        if !folders.contains(beside) { folders.append(beside) }
        return folders
    }

    // MARK: Templates

    /// Compiles an inline template, mapping template errors to the template's columns in the YAML file.
    mutating func compileInline(_ node: Node, _ what: String, environment: TemplateEnvironment) -> Template? {
        if node.mapping != nil || node.sequence != nil {
            error(
                node, "\(what) must be text, found \(Self.describe(node))",
                hint:
                    "YAML reads a value starting with '{' or '[' as a mapping or list: quote the template, e.g. \(what): \"{red|blue} shoe\""
            )
            return nil
        }
        guard let text = string(node, what) else { return nil }
        do {
            return try Template(text, environment: environment)
        } catch {
            let locations = source.locations(ofValueOf: node)
            for problem in error.problems {
                switch problem.place {
                case .offset(let offset):
                    let at = locations.isEmpty ? source.location(of: node) : locations[min(offset, locations.count - 1)]
                    self.error(at: at, "in \(what): \(problem.message)", hint: problem.hint)
                case .location(let location):
                    self.error(at: location, problem.message, hint: problem.hint)
                }
            }
            return nil
        }
    }

    /// Compiles a template file named by `prompt_file`; its errors point into that file.
    mutating func compileFile(_ node: Node, environment: TemplateEnvironment) -> Template? {
        guard let path = string(node, "prompt_file"), let resolved = resolve(path, at: node, what: "the prompt file")
        else { return nil }
        do {
            let bytes = try CampaignLoader.read(
                resolved, maxBytes: configuration.maxFileBytes, location: source.location(of: node))
            let text = try YAMLSource.checkedText(bytes, file: path, maxBytes: configuration.maxFileBytes)
            // A prompt file is one prompt: leading comment or blank lines and trailing whitespace (the newline
            // every editor adds) are not part of it.
            let (body, skipped) = Self.promptFileBody(text)
            do {
                return try Template(body, environment: environment)
            } catch {
                let lines = LineTable(text)
                for problem in error.problems {
                    switch problem.place {
                    case .offset(let offset):
                        self.error(
                            at: lines.location(ofScalar: offset + skipped, file: path), problem.message,
                            hint: problem.hint)
                    case .location(let location): self.error(at: location, problem.message, hint: problem.hint)
                    }
                }
            }
        } catch {
            diagnostics.append(contentsOf: error.diagnostics)
        }
        return nil
    }

    /// Whether `text` is an absolute http or https URL with a host.
    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return false }
        return (scheme == "http" || scheme == "https") && !(url.host ?? "").isEmpty
    }

    /// The template of a prompt file, and how many scalars were skipped before it.
    static func promptFileBody(_ text: String) -> (String, Int) {
        var scalars = Substring(text).unicodeScalars[...]
        var skipped = 0
        while true {
            let line = scalars.prefix { $0 != "\n" }
            let trimmed = String(String.UnicodeScalarView(line)).trimmingCharacters(in: .whitespaces)
            guard trimmed.isEmpty || trimmed.hasPrefix("#"), line.endIndex != scalars.endIndex else { break }
            skipped += line.count + 1
            scalars = scalars[scalars.index(after: line.endIndex)...]
        }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return (String(String.UnicodeScalarView(scalars)), skipped)
    }

    // MARK: Rules and sampling

    mutating func decodeRules(_ node: Node, _ what: String, axes: [Axis]) -> [AxisRule] {
        var rules = [AxisRule]()
        for item in list(node, what) ?? [] {
            guard let pairs = mapping(item, "an \(what) rule") else { continue }
            if pairs.isEmpty {
                error(
                    item, "an empty \(what) rule matches every variant",
                    hint: "name at least one axis, e.g. { audience: students }")
                continue
            }
            var conditions = [Int: Set<Int>]()
            var valid = true
            for (axisName, keyNode, value) in pairs {
                guard let axisIndex = axes.firstIndex(where: { $0.name == axisName }) else {
                    error(
                        keyNode, "\(what) names unknown axis '\(axisName)'",
                        hint: Suggestion.hint(for: axisName, in: axes.map(\.name), noun: "axis"))
                    valid = false
                    continue
                }
                var indices = Set<Int>()
                for valueNode in list(value, "\(what).\(axisName)", allowSingle: true) ?? [] {
                    guard let text = string(valueNode, "a value of axis '\(axisName)'") else { valid = false; continue }
                    if let index = axes[axisIndex].values.firstIndex(of: text) {
                        indices.insert(index)
                    } else {
                        error(
                            valueNode, "axis '\(axisName)' has no value '\(text)'",
                            hint: Suggestion.hint(for: text, in: axes[axisIndex].values, noun: "value"))
                        valid = false
                    }
                }
                conditions[axisIndex, default: []].formUnion(indices)
            }
            if valid { rules.append(AxisRule(conditions: conditions)) }
        }
        return rules
    }

    mutating func decodeSample(_ node: Node) -> Sample? {
        guard let pairs = mapping(node, "sample", allowed: ["max", "seed"]) else { return nil }
        var max: Int?
        var seed: UInt64 = 0
        for (key, _, value) in pairs {
            if key == "max" { max = integer(value, "sample.max", range: 1...Int(Int32.max)) }
            if key == "seed", let value = integer(value, "sample.seed", range: 0...Int.max) { seed = UInt64(value) }
        }
        guard let max else {
            if !pairs.contains(where: { $0.key == "max" }) {
                error(node, "sample needs 'max'", hint: "e.g. `sample: { max: 200, seed: 42 }`")
            }
            return nil
        }
        return Sample(max: max, seed: seed)
    }

    // MARK: Sizes

    mutating func decodeSizes(_ node: Node) -> [AdSize] {
        guard let items = list(node, "sizes", allowSingle: true) else { return [] }
        if items.isEmpty {
            error(node, "sizes is empty", hint: "list at least one size; `adgen sizes` lists the presets")
        }
        var sizes = [AdSize]()
        for item in items {
            guard let id = string(item, "a size") else { continue }
            switch AdSize.resolve(id) {
            case .success(let size):
                if sizes.contains(where: { $0.id == size.id }) {
                    error(item, "size '\(size.id)' is listed twice")
                } else {
                    sizes.append(size)
                }
            case .failure(.unknown(_, let suggestion)):
                error(
                    item, "unknown size '\(id)'",
                    hint: suggestion.map { "did you mean '\($0)'? (`adgen sizes` lists them; WxH makes a custom size)" }
                        ?? "`adgen sizes` lists the presets; WxH (e.g. 1200x628) makes a custom size")
            case .failure(.outOfRange):
                error(item, "size '\(id)' is out of range", hint: "each side must be 1…\(AdSize.maxCustomSide) pixels")
            }
        }
        return sizes
    }

    // MARK: Generation, pipeline, scoring, export

    mutating func decodeGeneration(_ node: Node) -> GenerationSettings {
        var settings = GenerationSettings()
        let keys = [
            "provider", "model", "seeds", "seed", "concurrency", "max_cost_usd", "base_url", "parameters",
            "requests_per_minute", "images_per_minute", "max_attempts", "timeout_s",
        ]
        guard let pairs = mapping(node, "generation", allowed: keys) else { return settings }
        var baseSeed: UInt64 = 1
        var seedCount = 1
        var explicitSeeds: [UInt64]?
        var modelNode: Node?
        var workflowNode: Node?
        for (key, _, value) in pairs {
            settings.explicitKeys.insert(key)
            switch key {
            case "provider":
                if let provider = string(value, "generation.provider") {
                    if GenerationSettings.knownProviders.contains(provider) {
                        settings.provider = provider
                    } else {
                        error(
                            value, "unknown provider '\(provider)'",
                            hint: Suggestion.hint(
                                for: provider, in: GenerationSettings.knownProviders, noun: "provider"))
                    }
                }
            case "model":
                if let model = string(value, "generation.model") {
                    settings.model = model
                    modelNode = value
                }
            case "seeds":
                if case .sequence(let items) = value {
                    var seeds = [UInt64]()
                    for item in items {
                        if let seed = integer(item, "a seed", range: 0...Int(UInt32.max)) { seeds.append(UInt64(seed)) }
                    }
                    if seeds.isEmpty { error(value, "generation.seeds is an empty list") }
                    if Set(seeds).count != seeds.count { error(value, "generation.seeds lists a seed twice") }
                    explicitSeeds = seeds
                } else if let count = integer(
                    value, "generation.seeds (how many seeds, or a list of seeds)", range: 1...1000)
                {
                    seedCount = count
                }
            case "seed":
                if let seed = integer(value, "generation.seed", range: 0...Int(UInt32.max)) { baseSeed = UInt64(seed) }
            case "concurrency":
                settings.concurrency = integer(value, "generation.concurrency", range: 1...256) ?? settings.concurrency
            case "max_cost_usd": settings.maxCostUSD = number(value, "generation.max_cost_usd", range: 0...1_000_000)
            case "requests_per_minute":
                settings.requestsPerMinute = number(value, "generation.requests_per_minute", range: 0.1...1_000_000)
            case "images_per_minute":
                settings.imagesPerMinute = number(value, "generation.images_per_minute", range: 0.1...1_000_000)
            case "max_attempts":
                settings.maxAttempts = integer(value, "generation.max_attempts", range: 1...100)
            case "timeout_s": settings.timeoutSeconds = number(value, "generation.timeout_s", range: 1...3600)
            case "base_url":
                if configuration.confinement != nil {
                    // A served campaign does not choose where the server connects: the operator does.
                    error(
                        value, "a campaign sent to a server cannot set generation.base_url",
                        hint: "the server's operator sets each provider's base_url in adgen.yaml (providers:)")
                } else if let url = string(value, "generation.base_url") {
                    if let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""),
                        parsed.host != nil
                    {
                        settings.baseURL = url
                    } else {
                        error(
                            value, "generation.base_url '\(url)' is not an http(s) URL",
                            hint: "e.g. http://127.0.0.1:8188")
                    }
                }
            case "parameters":
                for (name, _, parameter) in mapping(value, "generation.parameters") ?? [] {
                    if let text = string(parameter, "generation.parameters.\(name)", allowEmpty: true) {
                        settings.parameters[name] = text
                        if name == "workflow" { workflowNode = parameter }
                    }
                }
            default: break
            }
        }
        if let modelNode, let (message, hint) = Self.modelProblem(settings.model, provider: settings.provider) {
            error(modelNode, message, hint: hint)
        }
        // The ComfyUI adapter reads its workflow file when it is set up: a missing one is the campaign's error.
        if settings.provider == "comfyui", let workflowNode, let path = settings.parameters["workflow"],
            let resolved = resolve(path, at: workflowNode, what: "the ComfyUI workflow"),
            !FileManager.default.isReadableFile(atPath: resolved)
        {
            error(
                workflowNode, "ComfyUI workflow file not found: \(path)",
                hint: "paths are relative to the campaign file's folder; export the workflow with \"Save (API Format)\""
            )
        }
        settings.seeds = explicitSeeds ?? (0..<UInt64(seedCount)).map { baseSeed + $0 }
        // A remote provider without a model gets its default (the plan's sizes and prices depend on it).
        if settings.provider != "local" && !settings.explicitKeys.contains("model") {
            settings.model = ProviderFactory.defaultModel(for: settings.provider)
        }
        return settings
    }

    /// Why `model` cannot be `provider`'s, as `ProviderFactory` would refuse it when setting the provider up;
    /// nil when it can be (self-hosted providers take any model name).
    static func modelProblem(_ model: String, provider: String) -> (message: String, hint: String)? {
        switch provider {
        case "local" where model != LocalProvider.model:
            return (
                "generation.model '\(model)' is not a model of the local renderer",
                "its only model is '\(LocalProvider.model)'; remove `model:`, or name the provider of that model"
            )
        case "openai" where !OpenAIProvider.knownModels.contains(where: { model == $0 || model.hasPrefix($0 + "-") }):
            return (
                "generation.model '\(model)' is not an OpenAI image model",
                Suggestion.hint(for: model, in: OpenAIProvider.knownModels, noun: "model")
            )
        case "replicate", "fal":
            guard model != LocalProvider.model, let remote = BackgroundRemovalProvider(rawValue: provider),
                let problem = remote.problem(withModel: model)
            else { return nil }
            return ("generation.model \(problem)", "e.g. \(ProviderFactory.defaultModel(for: provider))")
        default:
            return nil
        }
    }

    mutating func decodeScoring(_ node: Node) -> ScoringSettings {
        var settings = ScoringSettings()
        guard let pairs = mapping(node, "scoring", allowed: ["min_score", "below_min", "dedupe", "weights"]) else {
            return settings
        }
        for (key, _, value) in pairs {
            switch key {
            case "min_score": settings.minScore = number(value, "scoring.min_score", range: 0...1)
            case "below_min":
                if let text = string(value, "scoring.below_min") {
                    if let choice = ScoringSettings.BelowMinimum(rawValue: text) {
                        settings.belowMinimum = choice
                    } else {
                        error(
                            value, "scoring.below_min must be 'drop' or 'flag', found '\(text)'",
                            hint: Suggestion.hint(
                                for: text, in: ScoringSettings.BelowMinimum.allCases.map(\.rawValue), noun: "choice"))
                    }
                }
            case "dedupe": settings.dedupe = bool(value, "scoring.dedupe") ?? false
            case "weights": settings.weights = decodeWeights(value)
            default: break
            }
        }
        return settings
    }

    /// `scoring.weights`: a weight 0…100 per weighted check; at least one check keeps a weight above 0.
    mutating func decodeWeights(_ node: Node) -> [String: Double] {
        var weights = [String: Double]()
        let weighted = Scorer.checkNames.filter { $0 != "spec" }
        for (name, keyNode, weight) in mapping(node, "scoring.weights") ?? [] {
            if name == "spec" {
                error(
                    keyNode, "spec is a gate, not a weighted check: a creative that fails it totals 0",
                    hint: "remove it from scoring.weights")
            } else if !weighted.contains(name) {
                error(
                    keyNode, "unknown score check '\(name)' in scoring.weights",
                    hint: Suggestion.hint(for: name, in: weighted, noun: "check"))
            } else if let number = number(weight, "scoring.weights.\(name)", range: 0...100) {
                weights[name] = number
            }
        }
        let total = Scorer.defaultWeights.merging(weights) { _, new in new }.values.reduce(0, +)
        if total <= 0 {
            error(
                node, "scoring.weights leaves every check out of the total (every weight is 0)",
                hint: "give at least one check a weight above 0")
        }
        return weights
    }

    mutating func decodeExport(_ node: Node) -> [ExportTarget] {
        var targets = [ExportTarget]()
        for item in list(node, "export") ?? [] {
            guard let pairs = mapping(item, "an export target", allowed: ["folder", "webhook"]) else { continue }
            guard pairs.count == 1, let (kind, _, value) = pairs.first else {
                if !pairs.isEmpty {
                    error(item, "an export target is either `- folder: DIR` or `- webhook: {…}`, one per list item")
                }
                continue
            }
            if kind == "folder" {
                if let path = string(value, "export folder") { targets.append(.folder(exportFolder(path))) }
                continue
            }
            guard let fields = mapping(value, "webhook", allowed: ["url", "secret_env", "events"]) else { continue }
            var url: String?
            var secretEnv: String?
            var events = [WebhookEvent.Kind]()
            for (key, _, field) in fields {
                switch key {
                case "url":
                    url = string(field, "webhook.url")
                    if let text = url, !Self.isHTTPURL(text) {
                        error(
                            field, "webhook.url '\(text)' is not an http(s) URL",
                            hint: "e.g. https://hooks.example.com/adgen")
                    }
                case "secret_env":
                    secretEnv = string(field, "webhook.secret_env")
                    if let name = secretEnv, !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                        error(
                            field,
                            "webhook.secret_env names an environment variable, e.g. ADGEN_WEBHOOK_SECRET — never the secret itself"
                        )
                    }
                case "events":
                    let known = WebhookEvent.Kind.allCases.map(\.rawValue)
                    for event in list(field, "webhook.events", allowSingle: true) ?? [] {
                        guard let name = string(event, "an event") else { continue }
                        if let kind = WebhookEvent.Kind(rawValue: name) {
                            if events.contains(kind) {
                                error(event, "webhook.events lists '\(name)' twice")
                            } else {
                                events.append(kind)
                            }
                        } else {
                            error(
                                event, "unknown event '\(name)'",
                                hint: Suggestion.hint(for: name, in: known, noun: "event"))
                        }
                    }
                default: break
                }
            }
            if let url {
                targets.append(.webhook(url: url, secretEnv: secretEnv, events: events))
            } else if !fields.contains(where: { $0.key == "url" }), !suggestedKeys.contains("url") {
                error(
                    value, "webhook needs a 'url'",
                    hint: "e.g. `- webhook: { url: \"https://hooks.example.com/adgen\" }`")
            }
        }
        return targets
    }
}
