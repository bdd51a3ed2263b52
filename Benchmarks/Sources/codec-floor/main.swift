// codec-floor: the least libvips needs to do for a batch adgen made, for run-endtoend.sh: decode each generation
// once, then cut and encode every creative of it with adgen's own imaging calls and settings, on all cores.
//
//   codec-floor CAMPAIGN LIST [--tasks T] [--passes P]
//       CAMPAIGN is the campaign file the batch was made from: its pipeline (`Pipeline(campaign:)`) gives the crop
//       strategy and the encode step's format and quality, its sizes the target pixels.
//       LIST has one line per creative adgen made, tab-separated: the generation's file, the creative's size id,
//       its format, its file (only read for a JPEG's quality, see below). run-endtoend.sh writes it from the store.
//       The creatives are grouped by generation; T generations (default: the number of cores) are worked on at a
//       time in a task group, as adgen's dispatcher does, with libvips' own threadpool left at its default. Each
//       generation: `Image.load(path:)` (read + decode to memory, as `CreativeMaker` does), then for each of its
//       creatives `filled(width:height:strategy:)` (the crop step's window + lanczos3 resize; the attention
//       analysis once per generation, as in adgen) and `encoded(_:)` with the encode step's format and quality.
//       Nothing is written. P passes (default 1) after one untimed warm-up generation; the fastest pass counts.
//
// The quality of each creative is the encode step's, except for a JPEG whose file says otherwise (the encode step
// lowers the quality to fit a byte limit and records only the event): its quality is read back from the file's
// luminance quantisation table (exact for libjpeg's tables). A lowered WebP or PNG quality cannot be read back;
// such creatives are counted in `lowered_unknown`.
//
// Prints one JSON line: `seconds` (wall time of the fastest pass), `decode_seconds` and `fill_encode_seconds`
// (the time the tasks spent in each, summed over the tasks: their ratio is the share of each), `bytes` (of all
// the encodings), `peak_rss_mib` (VmHWM of /proc/self/status).

import AdgenCore
import AdgenImaging
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("codec-floor: \(message)\n".utf8))
    exit(2)
}

let usage = "usage: codec-floor CAMPAIGN LIST [--tasks T] [--passes P]"

/// A field of /proc/self/status in MiB (`VmHWM`); 0 where there is none.
func memoryMiB(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        if let kib = Double(String(line.dropFirst(field.count + 1).filter(\.isNumber))) { return kib / 1024 }
    }
    return 0
}

/// Seconds since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

func rounded(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
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

// MARK: JPEG quality

/// The IJG (libjpeg) luminance quantisation table at quality 50, in natural order.
let ijgLuminance: [Int] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]

/// The order of a DQT table's 64 entries (zigzag) in natural order.
let zigzag: [Int] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
    54, 47, 55, 62, 63,
]

/// The IJG quality whose luminance table is closest to the first table of a JPEG file; nil when there is none.
func jpegQuality(of bytes: [UInt8]) -> Int? {
    var index = 2
    while index + 4 <= bytes.count, bytes[index] == 0xFF {
        let marker = bytes[index + 1]
        let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
        if marker == 0xDB, index + 5 + 64 <= bytes.count, bytes[index + 4] & 0xF0 == 0 {
            var table = [Int](repeating: 0, count: 64)
            for position in 0..<64 { table[zigzag[position]] = Int(bytes[index + 5 + position]) }
            var best: (quality: Int, error: Int)?
            for quality in 1...100 {
                let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
                let error = zip(ijgLuminance, table).reduce(0) { sum, pair in
                    sum + abs(min(255, max(1, (pair.0 * scale + 50) / 100)) - pair.1)
                }
                if best == nil || error < best!.error { best = (quality, error) }
            }
            return best?.quality
        }
        if marker == 0xDA { return nil }
        index += 2 + length
    }
    return nil
}

// MARK: The work

/// One creative to cut and encode.
struct Output: Sendable {
    var width: Int
    var height: Int
    var options: EncodeOptions
}

/// One generation and the creatives cut from it.
struct Generation: Sendable {
    var path: String
    var outputs: [Output]
}

/// Time spent and bytes made by one or more generations.
struct Tally: Sendable {
    var decode = 0.0
    var fillEncode = 0.0
    var bytes = 0
    var outputs = 0

    static func + (left: Tally, right: Tally) -> Tally {
        Tally(
            decode: left.decode + right.decode, fillEncode: left.fillEncode + right.fillEncode,
            bytes: left.bytes + right.bytes, outputs: left.outputs + right.outputs)
    }
}

/// Decodes one generation and makes each of its creatives.
@Sendable func work(_ generation: Generation, strategy: CropStrategy) throws -> Tally {
    var tally = Tally()
    let start = ContinuousClock.now
    let image = try Image.load(path: generation.path)
    tally.decode = seconds(since: start)
    let cut = ContinuousClock.now
    for output in generation.outputs {
        let bytes = try image.filled(width: output.width, height: output.height, strategy: strategy).encoded(
            output.options)
        tally.bytes += bytes.count
        tally.outputs += 1
    }
    tally.fillEncode = seconds(since: cut)
    return tally
}

/// Every generation, at most `width` at a time.
func runAll(_ generations: [Generation], width: Int, strategy: CropStrategy) async throws -> Tally {
    try await withThrowingTaskGroup(of: Tally.self) { group in
        var next = 0
        var total = Tally()
        while next < min(width, generations.count) {
            let generation = generations[next]
            group.addTask { try work(generation, strategy: strategy) }
            next += 1
        }
        while let tally = try await group.next() {
            total = total + tally
            if next < generations.count {
                let generation = generations[next]
                group.addTask { try work(generation, strategy: strategy) }
                next += 1
            }
        }
        return total
    }
}

// MARK: Main

var arguments = Array(CommandLine.arguments.dropFirst())
let tasks =
    option("--tasks", in: &arguments).map { positiveInt($0, "--tasks") } ?? ProcessInfo.processInfo.activeProcessorCount
let passes = option("--passes", in: &arguments).map { positiveInt($0, "--passes") } ?? 1
guard arguments.count == 2 else { fail(usage) }

let campaign: Campaign
let pipeline: Pipeline
do {
    campaign = try CampaignLoader().load(path: arguments[0])
    pipeline = try Pipeline(campaign: campaign)
} catch {
    fail("\(arguments[0]): \(error)")
}
guard let crop = pipeline.steps.compactMap({ $0 as? CropStep }).first,
    let encode = pipeline.steps.compactMap({ $0 as? EncodeStep }).last
else { fail("the pipeline of \(arguments[0]) has no crop or no encode step") }
let steps = pipeline.steps.map(\.name).joined(separator: ",")
let sizes = Dictionary(campaign.sizes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

guard let list = try? String(contentsOfFile: arguments[1], encoding: .utf8) else { fail("cannot read \(arguments[1])") }
var order = [String]()
var byGeneration = [String: [Output]]()
var lowered = 0
var loweredUnknown = 0
var qualities = [Int: Int]()
for line in list.split(separator: "\n") where !line.isEmpty {
    let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    guard fields.count >= 4 else { fail("\(arguments[1]): a line has \(fields.count) fields, not 4: \(line)") }
    guard let size = sizes[fields[1]] else { fail("size \(fields[1]) is not in \(arguments[0])") }
    let format = ImageFormat(rawValue: fields[2]) ?? encode.format
    var quality = encode.quality
    if format == .jpeg, let data = FileManager.default.contents(atPath: fields[3]),
        let read = jpegQuality(of: [UInt8](data.prefix(4096)))
    {
        quality = read
    } else if fields.count > 4, fields[4].contains("quality-lowered") {
        loweredUnknown += 1
    }
    if quality < encode.quality { lowered += 1 }
    qualities[quality, default: 0] += 1
    if byGeneration[fields[0]] == nil { order.append(fields[0]) }
    byGeneration[fields[0], default: []].append(
        Output(width: size.width, height: size.height, options: EncodeOptions(format: format, quality: quality)))
}
let generations = order.map { Generation(path: $0, outputs: byGeneration[$0]!) }
guard !generations.isEmpty else { fail("\(arguments[1]) lists no creatives") }

do {
    // libvips started, fonts and the encoders' tables touched: one generation, untimed.
    _ = try work(Generation(path: generations[0].path, outputs: [generations[0].outputs[0]]), strategy: crop.strategy)
    var best: (seconds: Double, tally: Tally)?
    var all = [String]()
    for _ in 0..<passes {
        let start = ContinuousClock.now
        let tally = try await runAll(generations, width: tasks, strategy: crop.strategy)
        let elapsed = seconds(since: start)
        all.append(rounded(elapsed))
        if best == nil || elapsed < best!.seconds { best = (elapsed, tally) }
    }
    let (elapsed, tally) = best!
    let qualityList = qualities.sorted { $0.key > $1.key }.map { "\"\($0.key)\":\($0.value)" }
    let fields: [(String, String)] = [
        ("bench", quoted("codec-floor")), ("campaign", quoted(campaign.name)), ("steps", quoted(steps)),
        ("strategy", quoted(crop.strategy.rawValue)), ("format", quoted(encode.format.rawValue)),
        ("qualities", "{" + qualityList.joined(separator: ",") + "}"), ("lowered", "\(lowered)"),
        ("lowered_unknown", "\(loweredUnknown)"), ("tasks", "\(tasks)"),
        ("vips_concurrency", quoted(ProcessInfo.processInfo.environment["VIPS_CONCURRENCY"] ?? "default")),
        ("generations", "\(generations.count)"), ("outputs", "\(tally.outputs)"), ("seconds", rounded(elapsed)),
        ("passes", "[" + all.joined(separator: ",") + "]"), ("decode_seconds", rounded(tally.decode)),
        ("fill_encode_seconds", rounded(tally.fillEncode)), ("bytes", "\(tally.bytes)"),
        ("peak_rss_mib", rounded(memoryMiB("VmHWM"), 1)),
    ]
    print("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
} catch {
    fail("\(error)")
}
