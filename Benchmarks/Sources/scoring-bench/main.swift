// scoring-bench: the speed of adgen's scorer on 1080×1080 creatives (issue 5, "Speed"), for run-scoring.sh.
//
//   scoring-bench corpus CAMPAIGN OUT COUNT
//       renders the first COUNT variants of CAMPAIGN at its first size, in process, as `adgen render` does (the local
//       provider paints the variant's prompt at the size's generation shape, then the campaign's pipeline: crop,
//       layout, encode), and writes OUT/<creative-id>.<ext> and OUT/corpus.json (the size, the brand colours and
//       each creative's file, layout boxes and tags: what the scorer gets in `adgen render`). Two variants at a time.
//   scoring-bench score CORPUS [--passes P] [--limit N]
//       every creative of CORPUS (read into memory first) scored P times (default 5) on this thread, one after the
//       other: `Scorer.input(encoded:size:boxes:brandColors:tags:)` (the one decode) then
//       `Scorer.score(_:stage:)`, which reports each stage's duration. One untimed pass first. Prints one JSON line:
//       ms per creative (each creative's median over the passes, then the median, p95 and maximum over the corpus),
//       the process CPU time per creative (all threads: libvips decodes on a worker thread), and the same
//       statistics per stage (decode, then `Scorer.Stage`).
//   scoring-bench phash CORPUS [--passes P] [--limit N] [--hashes FILE]
//       the perceptual hash alone, as imagehash is used: `Image.decode` then `PerceptualHash(of:)`, over the corpus
//       P times (default 5) on this thread, after one untimed pass. Prints one JSON line with images/s (the median
//       pass and the best); --hashes writes {"file": "hex"} of the last pass.
//
// Every JSON line has `seconds` (wall time of the timed passes), `cpu_seconds` (process CPU time over the same),
// `peak_rss_mib` (VmHWM of /proc/self/status at the end) and `vips_concurrency` (the VIPS_CONCURRENCY environment
// variable, or "default").

import AdgenCore
import AdgenImaging
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: Helpers

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("scoring-bench: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: scoring-bench corpus CAMPAIGN OUT COUNT
           scoring-bench score CORPUS [--passes P] [--limit N]
           scoring-bench phash CORPUS [--passes P] [--limit N] [--hashes FILE]
    """

/// A field of /proc/self/status in MiB (`VmHWM`, `VmRSS`); getrusage's maximum as a fallback elsewhere.
func memoryMiB(_ field: String) -> Double {
    if let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            if let kib = Double(String(line.dropFirst(field.count + 1).filter(\.isNumber))) { return kib / 1024 }
        }
    }
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
    #else
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    #endif
}

/// The CPU time of the whole process (every thread) so far, in seconds.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// One JSON line on stdout from keys and already-encoded values, in order.
func printJSON(_ fields: [(String, String)]) {
    print("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
}

func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

func rounded(_ value: Double, _ digits: Int = 3) -> String {
    String(format: "%.\(digits)f", value)
}

let vipsConcurrency = quoted(ProcessInfo.processInfo.environment["VIPS_CONCURRENCY"] ?? "default")

/// The value after `--name` in `arguments`, removed from it.
func option(_ name: String, in arguments: inout [String]) -> String? {
    guard let index = arguments.firstIndex(of: name) else { return nil }
    guard index + 1 < arguments.count else { fail("\(name) needs a value\n\(usage)") }
    let value = arguments[index + 1]
    arguments.removeSubrange(index...index + 1)
    return value
}

func positiveInt(_ text: String, _ what: String) -> Int {
    guard let value = Int(text), value > 0 else { fail("\(what) must be a positive whole number, found '\(text)'") }
    return value
}

/// The value at quantile `q` (0…1) of `values`, by the nearest rank.
func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(sorted.count - 1, max(0, rank))]
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

// MARK: The corpus

/// `OUT/corpus.json`: what the scorer gets for each creative in `adgen render`.
struct Corpus: Codable {
    struct Creative: Codable {
        var file: String
        var boxes: [LayoutBox]
        var tags: [String]
    }

    var campaign: String
    var size: String
    var brandColors: [String]
    var creatives: [Creative]
}

func runCorpus(_ arguments: [String]) async throws {
    guard arguments.count == 3 else { fail(usage) }
    let (campaignPath, out) = (arguments[0], arguments[1])
    let count = positiveInt(arguments[2], "COUNT")
    let campaign = try CampaignLoader().load(path: campaignPath)
    guard let size = campaign.sizes.first else { fail("\(campaignPath) has no sizes") }
    let pipeline = try Pipeline(campaign: campaign)
    let variants = Array(try Expander(campaign: campaign, configuration: .init(limit: UInt64(count))))
    guard variants.count == count else { fail("\(campaignPath) has only \(variants.count) variants, not \(count)") }
    let provider = LocalProvider()
    let shape = GenerationShape.best(
        for: size, among: GenerationShape.supported(provider: provider.id, model: campaign.generation.model))
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

    @Sendable func render(_ variant: Variant) async throws -> Corpus.Creative {
        let request = GenerationRequest(
            prompt: variant.prompt, negativePrompt: variant.negativePrompt, seed: variant.seed, width: shape.width,
            height: shape.height, model: campaign.generation.model, brandColors: campaign.brand.colors,
            parameters: campaign.generation.parameters)
        var draft = CreativeDraft(variant: variant, size: size, image: try Image.decode(provider.paint(request).bytes))
        try await pipeline.run(&draft, campaign: campaign)
        guard let encoded = draft.encoded else { fail("the pipeline of \(campaignPath) does not encode") }
        let file = "\(draft.id).\(encoded.format.fileExtension)"
        guard FileManager.default.createFile(atPath: "\(out)/\(file)", contents: Data(encoded.bytes)) else {
            fail("cannot write \(out)/\(file)")
        }
        let tags =
            variant.axes.map { "\($0.name):\($0.value)" } + draft.events
            + ["provider:\(provider.id)", "model:\(campaign.generation.model)", "seed:\(variant.seed)"]
        return Corpus.Creative(file: file, boxes: draft.boxes, tags: tags)
    }

    var creatives = [(Int, Corpus.Creative)]()
    try await withThrowingTaskGroup(of: (Int, Corpus.Creative).self) { group in
        var next = 0
        func submit() {
            guard next < variants.count else { return }
            let (index, variant) = (next, variants[next])
            next += 1
            group.addTask { (index, try await render(variant)) }
        }
        for _ in 0..<2 { submit() }
        while let done = try await group.next() {
            creatives.append(done)
            submit()
        }
    }
    let corpus = Corpus(
        campaign: campaign.name, size: size.id, brandColors: campaign.brand.colors,
        creatives: creatives.sorted { $0.0 < $1.0 }.map(\.1))
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(corpus).write(to: URL(fileURLWithPath: "\(out)/corpus.json"))
    printJSON([
        ("bench", quoted("corpus")), ("campaign", quoted(campaign.name)), ("size", quoted(size.id)),
        ("creatives", "\(corpus.creatives.count)"), ("out", quoted(out)),
    ])
}

/// The corpus in memory: its description and every file's bytes.
func loadCorpus(_ folder: String, limit: Int?) -> (Corpus, AdSize, [[UInt8]]) {
    guard let data = FileManager.default.contents(atPath: "\(folder)/corpus.json") else {
        fail("no \(folder)/corpus.json: make the corpus first (scoring-bench corpus)")
    }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    guard var corpus = try? decoder.decode(Corpus.self, from: data) else { fail("\(folder)/corpus.json is unreadable") }
    if let limit { corpus.creatives = Array(corpus.creatives.prefix(limit)) }
    guard !corpus.creatives.isEmpty else { fail("\(folder) has no creatives") }
    guard let size = try? AdSize.resolve(corpus.size).get() else { fail("unknown size \(corpus.size)") }
    let files = corpus.creatives.map { creative in
        guard let bytes = FileManager.default.contents(atPath: "\(folder)/\(creative.file)") else {
            fail("cannot read \(folder)/\(creative.file)")
        }
        return [UInt8](bytes)
    }
    return (corpus, size, files)
}

// MARK: Scoring

func runScore(_ arguments: [String]) throws {
    var arguments = arguments
    let passes = option("--passes", in: &arguments).map { positiveInt($0, "--passes") } ?? 5
    let limit = option("--limit", in: &arguments).map { positiveInt($0, "--limit") }
    guard arguments.count == 1 else { fail(usage) }
    let (corpus, size, files) = loadCorpus(arguments[0], limit: limit)
    let scorer = Scorer()
    let stageNames = ["decode"] + Scorer.Stage.allCases.map(\.rawValue)
    // samples[creative][pass]: the total and each stage, in ms.
    var totals = [[Double]](repeating: [], count: files.count)
    var stages = [[[Double]]](repeating: [[Double]](repeating: [], count: stageNames.count), count: files.count)
    var checksum = 0.0

    func scoreAll(record: Bool) throws {
        for (index, (bytes, creative)) in zip(files, corpus.creatives).enumerated() {
            var times = [Double](repeating: 0, count: stageNames.count)
            let start = ContinuousClock.now
            let input = try scorer.input(
                encoded: bytes, size: size, boxes: creative.boxes, brandColors: corpus.brandColors,
                tags: creative.tags)
            let decoded = ContinuousClock.now
            let card = try scorer.score(input) { stage, duration in
                times[1 + Scorer.Stage.allCases.firstIndex(of: stage)!] += duration.seconds * 1000
            }
            let end = ContinuousClock.now
            times[0] = (decoded - start).seconds * 1000
            checksum += card.total
            guard record else { continue }
            totals[index].append((end - start).seconds * 1000)
            for (stage, time) in times.enumerated() { stages[index][stage].append(time) }
        }
    }
    try scoreAll(record: false)
    let start = ContinuousClock.now
    let cpuStart = processCPUSeconds()
    for _ in 0..<passes { try scoreAll(record: true) }
    let cpu = processCPUSeconds() - cpuStart
    let elapsed = (ContinuousClock.now - start).seconds

    let perCreative = totals.map(median)
    func statistics(_ values: [Double]) -> String {
        "{\"median\":\(rounded(median(values))),\"p95\":\(rounded(quantile(values, 0.95)))"
            + ",\"mean\":\(rounded(values.reduce(0, +) / Double(max(1, values.count))))}"
    }
    let stageFields = stageNames.enumerated().map { stage, name in
        "\"\(name)\":" + statistics(stages.map { median($0[stage]) })
    }
    let samples = Double(files.count * passes)
    printJSON([
        ("bench", quoted("score")), ("impl", quoted("adgen")), ("vips_concurrency", vipsConcurrency),
        ("size", quoted(size.id)), ("creatives", "\(files.count)"), ("passes", "\(passes)"),
        ("ms_median", rounded(median(perCreative))), ("ms_p95", rounded(quantile(perCreative, 0.95))),
        ("ms_max", rounded(perCreative.max() ?? 0)), ("ms_mean", rounded(elapsed / samples * 1000)),
        ("cpu_ms_per_creative", rounded(cpu / samples * 1000)),
        ("stage_ms", "{" + stageFields.joined(separator: ",") + "}"),
        ("mean_total", rounded(checksum / (samples + Double(files.count)), 4)), ("seconds", rounded(elapsed)),
        ("cpu_seconds", rounded(cpu)), ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)),
    ])
}

// MARK: The hash alone

func runPHash(_ arguments: [String]) throws {
    var arguments = arguments
    let passes = option("--passes", in: &arguments).map { positiveInt($0, "--passes") } ?? 5
    let limit = option("--limit", in: &arguments).map { positiveInt($0, "--limit") }
    let hashesPath = option("--hashes", in: &arguments)
    guard arguments.count == 1 else { fail(usage) }
    let (corpus, _, files) = loadCorpus(arguments[0], limit: limit)
    var hashes = [PerceptualHash]()
    func hashAll() throws {
        hashes = try files.map { try PerceptualHash(of: Image.decode($0)) }
    }
    try hashAll()
    var rates = [Double]()
    let start = ContinuousClock.now
    let cpuStart = processCPUSeconds()
    for _ in 0..<passes {
        let passStart = ContinuousClock.now
        try hashAll()
        rates.append(Double(files.count) / (ContinuousClock.now - passStart).seconds)
    }
    let cpu = processCPUSeconds() - cpuStart
    let elapsed = (ContinuousClock.now - start).seconds
    if let hashesPath {
        let pairs = zip(corpus.creatives, hashes).map { "  \(quoted($0.file)): \(quoted($1.description))" }
        let text = "{\n" + pairs.joined(separator: ",\n") + "\n}\n"
        guard FileManager.default.createFile(atPath: hashesPath, contents: Data(text.utf8)) else {
            fail("cannot write \(hashesPath)")
        }
    }
    let samples = Double(files.count * passes)
    printJSON([
        ("bench", quoted("phash")), ("impl", quoted("adgen")), ("vips_concurrency", vipsConcurrency),
        ("images", "\(files.count)"), ("passes", "\(passes)"),
        ("images_per_second", rounded(median(rates), 1)), ("images_per_second_best", rounded(rates.max() ?? 0, 1)),
        ("ms_per_image", rounded(elapsed / samples * 1000)), ("cpu_ms_per_image", rounded(cpu / samples * 1000)),
        ("seconds", rounded(elapsed)), ("cpu_seconds", rounded(cpu)), ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)),
    ])
}

// MARK: Main

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail(usage) }
arguments.removeFirst()
do {
    switch mode {
    case "corpus": try await runCorpus(arguments)
    case "score": try runScore(arguments)
    case "phash": try runPHash(arguments)
    default: fail("unknown mode '\(mode)'\n\(usage)")
    }
} catch {
    fail("\(error)")
}
