import Foundation
import Yams

/// Walks a campaign's YAML tree key by key, collecting every problem instead of stopping at the first.
struct CampaignDecoder: YAMLDecoding {
    let source: YAMLSource
    let directory: String
    let configuration: CampaignLoader.Configuration
    var diagnostics: [Diagnostic] = []
    /// Keys suggested for misspelled ones: a "missing key" error for them would repeat the typo's error.
    var suggestedKeys: Set<String> = []
    /// Axes declared with a problem (e.g. no values): templates may still name them without a second error.
    var brokenAxes: [String] = []

    init(source: YAMLSource, directory: String, configuration: CampaignLoader.Configuration) {
        self.source = source
        self.directory = directory
        self.configuration = configuration
    }

    static let topLevelKeys = [
        "campaign", "description", "brand", "product", "brief", "axes", "prompt", "prompt_file", "negative_prompt",
        "wildcards",
        "exclude", "only", "sample", "max_variants", "sizes", "generation", "pipeline", "scoring", "export",
    ]

    /// Resolves a path against the campaign's folder.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// Resolves a path the campaign names at `node`. In a confined (served) campaign, a path that leaves the files
    /// sent with it — absolute, through `..`, or through a symlink — is an error at `node`, and nil.
    mutating func resolve(_ path: String, at node: Node, what: String) -> String? {
        let resolved = resolve(path)
        guard let root = configuration.confinement?.files else { return resolved }
        let real = realPath(resolved)
        if path.hasPrefix("/") || !Self.isInside(resolved, root) || !Self.isInside(real, realPath(root)) {
            error(
                node, "\(what) \(path) is outside the files sent with the campaign",
                hint: "name files by paths relative to the campaign, and send each with it (a `file` part)")
            return nil
        }
        return resolved
    }

    /// Where an `export: - folder:` target goes: the path as it is; in a confined campaign, the same path taken inside
    /// the tenant's export area (`../out/delivery` and `/srv/out/delivery` go to `AREA/out/delivery`: `..` stops at
    /// the area, so a campaign written for the CLI runs unchanged and nothing is written outside).
    func exportFolder(_ path: String) -> String {
        guard let exports = configuration.confinement?.exports else { return resolve(path) }
        var parts = [Substring]()
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return parts.isEmpty ? exports : "\(exports)/\(parts.joined(separator: "/"))"
    }

    /// `path` with its symlinks resolved (as it is when it does not exist).
    func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        let root = root.hasSuffix("/") ? String(root.dropLast()) : root
        return path == root || path.hasPrefix(root + "/")
    }

    // MARK: The campaign

    mutating func decode() -> Campaign? {
        guard let root = source.root else {
            error(
                at: SourceLocation(file: source.file, line: 1, column: 1), "the file is empty",
                hint: "a campaign needs at least `campaign:`, `prompt:` and `sizes:`; see docs/campaign-format.md")
            return nil
        }
        guard let pairs = mapping(root, "the campaign file", allowed: Self.topLevelKeys) else { return nil }
        var values = [String: (keyNode: Node, value: Node)]()
        for pair in pairs { values[pair.key] = (pair.keyNode, pair.value) }
        let rootLocation = source.location(of: root)

        if let node = values["description"]?.value { _ = string(node, "description", allowEmpty: true) }
        var name = ""
        if let node = values["campaign"]?.value, let text = string(node, "campaign") {
            name = text
            if text.count > 80 || text.contains(where: { $0.isNewline }) {
                error(node, "campaign must be a short name (at most 80 characters, one line)")
            }
        } else if values["campaign"] == nil, !suggestedKeys.contains("campaign") {
            error(at: rootLocation, "missing key 'campaign'", hint: "add a name, e.g. `campaign: spring-sale`")
        }

        let brand = values["brand"].map { decodeBrand($0.value) } ?? Brand(name: name, colors: [], font: nil, logo: nil)
        let brief = values["brief"].map { decodeBrief($0.value) } ?? []
        let axes = values["axes"].map { decodeAxes($0.value) } ?? []
        let wildcards = decodeWildcardFolders(values["wildcards"]?.value)

        let environment = TemplateEnvironment(
            axes: axes.map(\.name) + brokenAxes,
            brief: Dictionary(brief.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
            wildcards: WildcardLibrary(folders: wildcards, maxFileBytes: configuration.maxFileBytes),
            campaignReferences: true)

        var prompt: Template?
        switch (values["prompt"], values["prompt_file"]) {
        case (let inline?, nil):
            prompt = compileInline(inline.value, "prompt", environment: environment)
        case (nil, let file?):
            prompt = compileFile(file.value, environment: environment)
        case (_?, let file?):
            error(file.keyNode, "give either 'prompt' or 'prompt_file', not both")
        case (nil, nil) where suggestedKeys.contains("prompt") || suggestedKeys.contains("prompt_file"):
            break
        case (nil, nil):
            error(
                at: rootLocation, "missing key 'prompt'",
                hint: "add a prompt template, e.g. `prompt: \"{{style}} photo of {{brief.product}}\"`")
        }
        let negativePrompt = values["negative_prompt"].flatMap {
            compileInline($0.value, "negative_prompt", environment: environment)
        }

        let exclude = values["exclude"].map { decodeRules($0.value, "exclude", axes: axes) } ?? []
        let only = values["only"].map { decodeRules($0.value, "only", axes: axes) } ?? []
        let sample = values["sample"].flatMap { decodeSample($0.value) }
        let maxVariants =
            values["max_variants"].flatMap { integer($0.value, "max_variants", range: 1...Int(Int32.max)) }
            ?? configuration.defaultMaxVariants

        var sizes = [AdSize]()
        if let node = values["sizes"]?.value {
            sizes = decodeSizes(node)
        } else if !suggestedKeys.contains("sizes") {
            error(
                at: rootLocation, "missing key 'sizes'",
                hint: "list the sizes to render, e.g. `sizes: [meta-feed, iab-mrec]`; `adgen sizes` lists them")
        }
        let generation = values["generation"].map { decodeGeneration($0.value) } ?? GenerationSettings()
        let pipeline = values["pipeline"].map { decodePipeline($0.value, generation: generation) } ?? []
        let product = values["product"].flatMap {
            decodeProduct($0.value, generation: generation, pipeline: pipeline, brand: brand)
        }
        let scoring = values["scoring"].map { decodeScoring($0.value) } ?? ScoringSettings()
        let export = values["export"].map { decodeExport($0.value) } ?? []

        guard diagnostics.isEmpty, let prompt else { return nil }
        let campaign = Campaign(
            name: name, file: source.file, brand: brand, product: product, brief: brief, axes: axes, prompt: prompt,
            negativePrompt: negativePrompt, exclude: exclude, only: only, sample: sample, maxVariants: maxVariants,
            sizes: sizes, generation: generation, pipeline: pipeline, scoring: scoring, export: export)
        checkSize(
            of: campaign, axesNode: values["axes"]?.keyNode, rootLocation: rootLocation,
            promptLocation: (values["prompt"] ?? values["prompt_file"]).map { source.location(of: $0.value) })
        return campaign
    }

    /// Rejects a product larger than `max_variants` unless the campaign samples it.
    mutating func checkSize(
        of campaign: Campaign, axesNode: Node?, rootLocation: SourceLocation, promptLocation: SourceLocation?
    ) {
        let space: VariantSpace
        do {
            space = try VariantSpace(campaign: campaign)
        } catch {
            self.error(at: axesNode.map { source.location(of: $0) } ?? rootLocation, error.message, hint: error.hint)
            return
        }
        let count = space.count
        let at = axesNode.map { source.location(of: $0) } ?? rootLocation
        if campaign.prompt.count == 0 || campaign.negativePrompt?.count == 0 {
            error(
                at: promptLocation ?? rootLocation, "the prompt template expands to no prompt at all",
                hint: "a pick such as {2$$x|x} has no two different options; check the template")
        } else if count == 0 {
            error(at: at, "the exclude/only rules drop every variant", hint: "loosen the rules")
        } else if campaign.sample == nil, count > UInt64(campaign.maxVariants) {
            let shown = count.groupedDigits
            error(
                at: at,
                "the campaign expands to \(shown) variants, more than max_variants (\(campaign.maxVariants.groupedDigits))",
                hint: "add `sample: { max: 200, seed: 1 }` to draw a subset, narrow the axes, or raise max_variants")
        }
    }
}
