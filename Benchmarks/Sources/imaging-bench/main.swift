// imaging-bench: adgen's imaging throughput, through AdgenImaging (the 8-size pack) and the AdgenCore pipeline
// (the layout), for run-imaging.sh.
//
//   imaging-bench pack SOURCES OUT [--tasks T] [--limit N]
//       every *.png in SOURCES (sorted; the first N with --limit) is decoded once (`Image.load(path:)`) and cut to
//       the 8 pack sizes, each by `filled(width:height:strategy: .attention)`, encoded (JPEG q85, the 320×50 as
//       PNG) and written to OUT as NAME_WxH.jpg/png. --tasks T works on T sources at a time in a task group
//       (default 1: a plain loop). Prints one JSON line.
//   imaging-bench stages SOURCES [--limit N]
//       where the pack's time goes, per source and per output, one after the other on one thread: decode;
//       attention fill + encode; centre fill + encode; encode alone (of the output, decoded back to memory).
//       Prints one JSON line.
//   imaging-bench layout CAMPAIGN IMAGE ITERATIONS [--tasks T] [--out FILE] [--no-text-cache]
//       loads CAMPAIGN, builds its `Pipeline`, takes the first `Variant` of its `Expander` and the campaign's first
//       size, decodes IMAGE once, then ITERATIONS times makes a `CreativeDraft(variant:size:image:)` and runs the
//       pipeline on it (crop, layout, encode); --tasks T splits the iterations over T tasks; --out writes the last
//       creative; --no-text-cache fits every text afresh (`LayoutStep.Configuration(textCacheBytes: 0)`) instead of
//       reusing the masks fitted for the earlier creatives. Three untimed iterations come first (fonts, caches).
//       Prints one JSON line.
//   imaging-bench layout-stages CAMPAIGN IMAGE ITERATIONS [--no-text-cache]
//       the same drafts, each pipeline step timed on its own, and the encode step alone on the undecorated image.
//
// Every JSON line has `seconds` (wall time of the timed part only), `peak_rss_mib` (VmHWM of /proc/self/status at
// the end: the process' high-water mark) and `vips_concurrency` (the VIPS_CONCURRENCY environment variable, or
// "default").

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
    FileHandle.standardError.write(Data("imaging-bench: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: imaging-bench pack SOURCES OUT [--tasks T] [--limit N]
           imaging-bench stages SOURCES [--limit N]
           imaging-bench layout CAMPAIGN IMAGE ITERATIONS [--tasks T] [--out FILE] [--no-text-cache]
           imaging-bench layout-stages CAMPAIGN IMAGE ITERATIONS [--no-text-cache]
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

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
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

/// Whether `--name` is in `arguments`; removed from it.
func flag(_ name: String, in arguments: inout [String]) -> Bool {
    guard let index = arguments.firstIndex(of: name) else { return false }
    arguments.remove(at: index)
    return true
}

/// The layout step's settings for `--no-text-cache`.
func layoutConfiguration(_ arguments: inout [String]) -> LayoutStep.Configuration {
    flag("--no-text-cache", in: &arguments) ? LayoutStep.Configuration(textCacheBytes: 0) : LayoutStep.Configuration()
}

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

// MARK: The pack

/// One output of the pack.
struct PackSize: Sendable {
    var width: Int
    var height: Int
    var format: ImageFormat

    var options: EncodeOptions { EncodeOptions(format: format, quality: 85) }

    func fileName(stem: String) -> String { "\(stem)_\(width)x\(height).\(format.fileExtension)" }
}

/// The 8 sizes of issue 3: seven JPEG q85 and the 320×50 as PNG.
let packSizes = [
    PackSize(width: 1080, height: 1080, format: .jpeg), PackSize(width: 1080, height: 1350, format: .jpeg),
    PackSize(width: 1080, height: 1920, format: .jpeg), PackSize(width: 1200, height: 628, format: .jpeg),
    PackSize(width: 300, height: 250, format: .jpeg), PackSize(width: 728, height: 90, format: .jpeg),
    PackSize(width: 160, height: 600, format: .jpeg), PackSize(width: 320, height: 50, format: .png),
]

/// The sorted PNG files of a folder, the first `limit` of them.
func sources(in folder: String, limit: Int?) -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
        fail("cannot list \(folder)")
    }
    let paths = names.filter { $0.hasSuffix(".png") }.sorted().map { folder + "/" + $0 }
    guard !paths.isEmpty else { fail("no .png files in \(folder)") }
    return limit.map { Array(paths.prefix($0)) } ?? paths
}

/// Decodes one source once and writes its 8 outputs; returns how many were written.
@Sendable func pack(source path: String, into folder: String) throws -> Int {
    let image = try Image.load(path: path)
    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    for size in packSizes {
        let filled = try image.filled(width: size.width, height: size.height, strategy: .attention)
        let bytes = try filled.encoded(size.options)
        guard FileManager.default.createFile(atPath: folder + "/" + size.fileName(stem: stem), contents: Data(bytes))
        else { fail("cannot write into \(folder)") }
    }
    return packSizes.count
}

/// Runs `work` on every element of `items`, at most `width` at a time, and sums what it returns.
func concurrentSum<Item: Sendable>(
    _ items: [Item], width: Int, _ work: @escaping @Sendable (Item) async throws -> Int
) async throws -> Int {
    if width == 1 {
        var total = 0
        for item in items { total += try await work(item) }
        return total
    }
    return try await withThrowingTaskGroup(of: Int.self) { group in
        var next = 0
        var total = 0
        while next < min(width, items.count) {
            let item = items[next]
            group.addTask { try await work(item) }
            next += 1
        }
        while let count = try await group.next() {
            total += count
            if next < items.count {
                let item = items[next]
                group.addTask { try await work(item) }
                next += 1
            }
        }
        return total
    }
}

func runPack(_ arguments: [String]) async throws {
    var arguments = arguments
    let tasks = option("--tasks", in: &arguments).map { positiveInt($0, "--tasks") } ?? 1
    let limit = option("--limit", in: &arguments).map { positiveInt($0, "--limit") }
    guard arguments.count == 2 else { fail(usage) }
    let files = sources(in: arguments[0], limit: limit)
    let folder = arguments[1]
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let rssBefore = memoryMiB("VmRSS")
    let start = ContinuousClock.now
    let outputs = try await concurrentSum(files, width: tasks) { try pack(source: $0, into: folder) }
    let elapsed = seconds(since: start)
    printJSON([
        ("bench", quoted("pack")), ("impl", quoted("adgen")), ("tasks", "\(tasks)"),
        ("vips_concurrency", vipsConcurrency), ("sources", "\(files.count)"), ("outputs", "\(outputs)"),
        ("seconds", rounded(elapsed)), ("outputs_per_second", rounded(Double(outputs) / elapsed, 2)),
        ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)), ("rss_before_mib", rounded(rssBefore, 1)),
    ])
}

// MARK: Where the pack's time goes

func runStages(_ arguments: [String]) throws {
    var arguments = arguments
    let limit = option("--limit", in: &arguments).map { positiveInt($0, "--limit") } ?? 10
    guard arguments.count == 1 else { fail(usage) }
    let files = sources(in: arguments[0], limit: limit)
    var decode = 0.0
    var attention = [Double](repeating: 0, count: packSizes.count)
    var centre = attention
    var encode = attention
    func timed(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return seconds(since: start)
    }
    for path in files {
        var image: Image?
        decode += try timed { image = try Image.load(path: path) }
        guard let image else { continue }
        for (index, size) in packSizes.enumerated() {
            attention[index] += try timed {
                _ = try image.filled(width: size.width, height: size.height, strategy: .attention).encoded(size.options)
            }
            centre[index] += try timed {
                _ = try image.filled(width: size.width, height: size.height, strategy: .centre).encoded(size.options)
            }
            // The output's pixels in memory (through a lossless PNG), so only the encoder is timed.
            let output = try Image.decode(
                image.filled(width: size.width, height: size.height, strategy: .attention).encoded(
                    EncodeOptions(format: .png)))
            encode[index] += try timed { _ = try output.encoded(size.options) }
        }
    }
    let count = Double(files.count)
    func perOutput(_ totals: [Double]) -> String {
        "{"
            + zip(packSizes, totals).map { "\"\($0.width)x\($0.height)\":\(rounded($1 / count * 1000, 2))" }
            .joined(separator: ",") + ",\"all\":\(rounded(totals.reduce(0, +) / count * 1000, 2))}"
    }
    printJSON([
        ("bench", quoted("stages")), ("impl", quoted("adgen")), ("vips_concurrency", vipsConcurrency),
        ("sources", "\(files.count)"), ("decode_ms_per_source", rounded(decode / count * 1000, 2)),
        ("attention_fill_encode_ms", perOutput(attention)), ("centre_fill_encode_ms", perOutput(centre)),
        ("encode_only_ms", perOutput(encode)), ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)),
    ])
}

// MARK: The layout

func runLayout(_ arguments: [String]) async throws {
    var arguments = arguments
    let tasks = option("--tasks", in: &arguments).map { positiveInt($0, "--tasks") } ?? 1
    let out = option("--out", in: &arguments)
    let layout = layoutConfiguration(&arguments)
    guard arguments.count == 3 else { fail(usage) }
    let iterations = positiveInt(arguments[2], "ITERATIONS")
    let loadStart = ContinuousClock.now
    let campaign = try CampaignLoader().load(path: arguments[0])
    let pipeline = try Pipeline(campaign: campaign, layout: layout)
    guard let variant = try Expander(campaign: campaign).first(where: { _ in true }) else {
        fail("\(arguments[0]) has no variants")
    }
    guard let size = campaign.sizes.first else { fail("\(arguments[0]) has no sizes") }
    let image = try Image.load(path: arguments[1])
    let loadSeconds = seconds(since: loadStart)

    @Sendable func render() async throws -> CreativeDraft {
        var draft = CreativeDraft(variant: variant, size: size, image: image)
        try await pipeline.run(&draft, campaign: campaign)
        guard draft.encoded != nil else { fail("the pipeline encoded nothing") }
        return draft
    }
    var last = try await render()
    for _ in 0..<2 { last = try await render() }

    let start = ContinuousClock.now
    let perTask = (0..<tasks).map { iterations / tasks + ($0 < iterations % tasks ? 1 : 0) }
    let bytes = try await concurrentSum(perTask, width: tasks) { count in
        var bytes = 0
        for _ in 0..<count { bytes += try await render().encoded?.bytes.count ?? 0 }
        return bytes
    }
    let elapsed = seconds(since: start)
    if let out, let encoded = last.encoded {
        guard FileManager.default.createFile(atPath: out, contents: Data(encoded.bytes)) else {
            fail("cannot write \(out)")
        }
    }
    printJSON([
        ("bench", quoted("layout")), ("impl", quoted("adgen")), ("tasks", "\(tasks)"),
        ("vips_concurrency", vipsConcurrency), ("text_cache", layout.textCacheBytes > 0 ? "true" : "false"),
        ("product", campaign.product == nil ? "false" : "true"), ("size", quoted(size.id)),
        ("iterations", "\(iterations)"),
        ("seconds", rounded(elapsed)), ("outputs_per_second", rounded(Double(iterations) / elapsed, 2)),
        ("mean_bytes", "\(bytes / iterations)"), ("quality", "\(last.encoded?.quality ?? 0)"),
        ("boxes", quoted(last.boxes.map(\.role).joined(separator: ","))),
        ("events", quoted(last.events.joined(separator: ","))), ("load_seconds", rounded(loadSeconds)),
        ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)),
    ])
}

/// Where the layout's time goes: each pipeline step timed on its own (the layout step draws into a copy of the
/// picture, so its pixels are done when it returns), and the encode step on the undecorated image.
func runLayoutStages(_ arguments: [String]) async throws {
    var arguments = arguments
    let layout = layoutConfiguration(&arguments)
    guard arguments.count == 3 else { fail(usage) }
    let iterations = positiveInt(arguments[2], "ITERATIONS")
    let campaign = try CampaignLoader().load(path: arguments[0])
    let pipeline = try Pipeline(campaign: campaign, layout: layout)
    guard let variant = try Expander(campaign: campaign).first(where: { _ in true }), let size = campaign.sizes.first
    else { fail("\(arguments[0]) has no variants or no sizes") }
    let image = try Image.load(path: arguments[1])
    var totals = [Double](repeating: 0, count: pipeline.steps.count)
    var plainEncode = 0.0
    // The first creative's layout fits its text and, with a product, makes the cutout ready for the size: what a
    // pipeline pays once per size.
    var firstLayout = 0.0
    let encodeStep = pipeline.steps.last { $0.name == "encode" }
    for iteration in -2..<iterations {
        var draft = CreativeDraft(variant: variant, size: size, image: image)
        for (index, step) in pipeline.steps.enumerated() {
            let start = ContinuousClock.now
            try await step.apply(to: &draft, campaign: campaign)
            if iteration >= 0 { totals[index] += seconds(since: start) }
            if iteration == -2, step is LayoutStep { firstLayout = seconds(since: start) }
        }
        if let encodeStep {
            var plain = CreativeDraft(variant: variant, size: size, image: image)
            let start = ContinuousClock.now
            try await encodeStep.apply(to: &plain, campaign: campaign)
            if iteration >= 0 { plainEncode += seconds(since: start) }
        }
    }
    let perStep = zip(pipeline.steps, totals).map { "\"\($0.name)\":\(rounded($1 / Double(iterations) * 1000, 2))" }
    printJSON([
        ("bench", quoted("layout-stages")), ("impl", quoted("adgen")), ("vips_concurrency", vipsConcurrency),
        ("text_cache", layout.textCacheBytes > 0 ? "true" : "false"),
        ("product", campaign.product == nil ? "false" : "true"),
        ("iterations", "\(iterations)"), ("step_ms", "{" + perStep.joined(separator: ",") + "}"),
        ("encode_undecorated_ms", rounded(plainEncode / Double(iterations) * 1000, 2)),
        ("first_layout_ms", rounded(firstLayout * 1000, 2)),
        ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)),
    ])
}

// MARK: Main

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail(usage) }
arguments.removeFirst()
do {
    switch mode {
    case "pack": try await runPack(arguments)
    case "stages": try runStages(arguments)
    case "layout": try await runLayout(arguments)
    case "layout-stages": try await runLayoutStages(arguments)
    default: fail("unknown mode '\(mode)'\n\(usage)")
    }
} catch {
    fail("\(error)")
}
