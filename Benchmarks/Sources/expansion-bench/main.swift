// expansion-bench: throughput and peak memory of adgen's lazy expansion.
//
//   expansion-bench variants CAMPAIGN N     iterate N variants with `Expander` (prompt, id, axes: what
//                                           `adgen expand` and the planner consume) and print one JSON line
//   expansion-bench render CAMPAIGN N       the same N prompts through `Template.render` into one reused buffer,
//                                           without building `Variant`s (no id hash, no axis strings): the cost
//                                           floor of the template engine itself
//   expansion-bench dp-template CAMPAIGN [--axis-values K]
//                                           print the campaign's prompt as a plain dynamicprompts template: every
//                                           `{{axis}}` becomes `{v1|v2|…}`, every `{{brief.key}}` its text
//   expansion-bench prompts CAMPAIGN [--axis-values K]
//                                           print every prompt of the campaign, one per line
//
// `--axis-values K` keeps only the first K values of every axis, so a 10^7-variant campaign can be checked against
// dynamicprompts on a complete, small slice of the same template and wildcard files.
//
// The JSON line: {"mode", "n", "seconds", "variants_per_second", "peak_rss_mib", "rss_before_mib",
// "load_seconds", "space", "checksum"}. `seconds` covers the expansion loop only (the campaign is loaded and the
// space built before the clock starts; `load_seconds` says how long that took). `peak_rss_mib` is VmHWM of
// /proc/self/status at the end (the process' high-water mark), `rss_before_mib` VmRSS just before the loop.

import AdgenCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: Helpers

/// Writes all of `bytes` to a file descriptor.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { exit(1) }
            offset += written
        }
    }
}

func fail(_ message: String) -> Never {
    writeAll(2, Array("expansion-bench: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: expansion-bench variants CAMPAIGN N
           expansion-bench render CAMPAIGN N
           expansion-bench dp-template CAMPAIGN [--axis-values K]
           expansion-bench prompts CAMPAIGN [--axis-values K]
    """

/// A field of /proc/self/status in MiB (`VmHWM`, `VmRSS`); getrusage's maximum as a fallback elsewhere.
func memoryMiB(_ field: String) -> Double {
    if let file = fopen("/proc/self/status", "r") {
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix(field + ":") else { continue }
            let digits = text.dropFirst(field.count + 1).filter { $0.isNumber }
            if let kib = Double(String(digits)) { return kib / 1024 }
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

func rounded(_ value: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let integer = Int64((value * scale).rounded())
    let whole = integer / Int64(scale)
    let fraction = String(abs(integer % Int64(scale)))
    if places == 0 { return String(whole) }
    return "\(integer < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func load(_ path: String) -> (Campaign, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    do {
        let campaign = try CampaignLoader().load(path: path)
        return (campaign, clock.now - start)
    } catch {
        fail(error.diagnostics.map { "\($0.location.file):\($0.location.line):\($0.location.column): \($0.message)" }
            .joined(separator: "\n"))
    }
}

/// Keeps the first `limit` values of every axis.
func cut(_ campaign: Campaign, axisValues limit: Int?) -> Campaign {
    guard let limit else { return campaign }
    var campaign = campaign
    campaign.axes = campaign.axes.map { axis in
        var axis = axis
        axis.values = Array(axis.values.prefix(limit))
        return axis
    }
    return campaign
}

/// Writes bytes to standard output in large blocks.
struct Output {
    var buffer = [UInt8]()

    init() { buffer.reserveCapacity(1 << 16) }

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

// MARK: Modes

/// Expands `n` variants with `Expander` and reports.
func benchVariants(_ path: String, _ n: UInt64) {
    let (campaign, loadTime) = load(path)
    let expander: Expander
    do {
        expander = try Expander(campaign: campaign, configuration: .init(offset: 0, limit: n))
    } catch {
        fail(error.message)
    }
    guard expander.count == n else { fail("the campaign has only \(expander.space.count) variants, fewer than \(n)") }
    let before = memoryMiB("VmRSS")
    let clock = ContinuousClock()
    let start = clock.now
    var checksum: UInt64 = 0
    var produced: UInt64 = 0
    for variant in expander {
        // Consume what a consumer of the variant would: the prompt's bytes and the id, so nothing is dropped.
        checksum &+= UInt64(variant.prompt.utf8.count) &+ UInt64(variant.id.utf8.count)
        checksum &+= UInt64(variant.id.utf8.first ?? 0) &+ UInt64(variant.prompt.utf8.last ?? 0)
        checksum &+= UInt64(variant.axes.count)
        produced += 1
    }
    let elapsed = clock.now - start
    report("variants", produced, elapsed, before: before, load: loadTime, space: expander.space.count, checksum: checksum)
}

/// Renders the same `n` prompts with `Template.render` only (requires a campaign without rules, sampling, negative
/// prompt, and with one seed, so its index order is axes in file order, slowest first, then the template index).
func benchRender(_ path: String, _ n: UInt64) {
    let (campaign, loadTime) = load(path)
    guard campaign.exclude.isEmpty, campaign.only.isEmpty, campaign.sample == nil, campaign.negativePrompt == nil,
        campaign.generation.seeds.count == 1
    else { fail("render mode needs a campaign without exclude/only/sample/negative_prompt and with one seed") }
    let axisBytes = campaign.axes.map { $0.values.map { Array($0.utf8) } }
    let radices = campaign.axes.map { UInt64($0.values.count) }
    let templateCount = campaign.prompt.count
    let space = radices.reduce(templateCount, *)
    guard space >= n else { fail("the campaign has only \(space) variants, fewer than \(n)") }
    var context = RenderContext(axisValues: axisBytes.map { $0[0] }, sequenceIndex: 0, seed: campaign.generation.seeds[0])
    var buffer = [UInt8]()
    buffer.reserveCapacity(1024)
    let before = memoryMiB("VmRSS")
    let clock = ContinuousClock()
    let start = clock.now
    var checksum: UInt64 = 0
    var index: UInt64 = 0
    while index < n {
        var rest = index / templateCount
        let templateIndex = index % templateCount
        var axis = radices.count - 1
        while axis >= 0 {
            context.axisValues[axis] = axisBytes[axis][Int(rest % radices[axis])]
            rest /= radices[axis]
            axis -= 1
        }
        context.sequenceIndex = index
        buffer.removeAll(keepingCapacity: true)
        campaign.prompt.render(templateIndex, context: &context, into: &buffer)
        checksum &+= UInt64(buffer.count) &+ UInt64(buffer.last ?? 0)
        index += 1
    }
    let elapsed = clock.now - start
    report("render", n, elapsed, before: before, load: loadTime, space: space, checksum: checksum)
}

func report(_ mode: String, _ n: UInt64, _ elapsed: Duration, before: Double, load: Duration, space: UInt64, checksum: UInt64) {
    let time = seconds(elapsed)
    let rate = time > 0 ? Double(n) / time : 0
    print(
        "{\"mode\":\"\(mode)\",\"n\":\(n),\"seconds\":\(rounded(time, 4)),\"variants_per_second\":\(rounded(rate, 0)),"
            + "\"peak_rss_mib\":\(rounded(memoryMiB("VmHWM"), 2)),\"rss_before_mib\":\(rounded(before, 2)),"
            + "\"load_seconds\":\(rounded(seconds(load), 4)),\"space\":\(space),\"checksum\":\(checksum)}")
}

/// The campaign's prompt as a dynamicprompts template.
func dynamicpromptsTemplate(_ campaign: Campaign) -> String {
    guard campaign.exclude.isEmpty, campaign.only.isEmpty, campaign.sample == nil, campaign.negativePrompt == nil,
        campaign.generation.seeds.count == 1
    else { fail("dp-template needs a campaign without exclude/only/sample/negative_prompt and with one seed") }
    func checkedLiteral(_ text: String, _ what: String) -> String {
        if text.contains(where: { "{}|$#%~@".contains($0) }) || text.contains("__") || text.isEmpty {
            fail("\(what) '\(text)' has template syntax; it cannot be written as a dynamicprompts option")
        }
        return text
    }
    var replacements = [String: String]()
    for axis in campaign.axes {
        replacements[axis.name] =
            "{" + axis.values.map { checkedLiteral($0, "a value of axis '\(axis.name)'") }.joined(separator: "|") + "}"
    }
    for field in campaign.brief {
        replacements["brief." + field.key] = checkedLiteral(field.value, "brief.\(field.key)")
    }
    let source = campaign.prompt.source
    var result = ""
    var rest = source[...]
    while let open = rest.find("{{") {
        result += rest[..<open.lowerBound]
        guard let close = rest[open.upperBound...].find("}}") else { fail("unclosed {{ in the prompt") }
        let name = rest[open.upperBound..<close.lowerBound].trimmingSpaces()
        guard let replacement = replacements[name] else { fail("unknown reference {{\(name)}}") }
        result += replacement
        rest = rest[close.upperBound...]
    }
    result += rest
    if result.contains("\n") { fail("the prompt spans lines; write it on one line") }
    return result
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    func find(_ needle: String) -> Range<Index>? {
        let pattern = Array(needle)
        var index = startIndex
        while index < endIndex {
            var probe = index
            var matched = 0
            while matched < pattern.count, probe < endIndex, self[probe] == pattern[matched] {
                probe = self.index(after: probe)
                matched += 1
            }
            if matched == pattern.count { return index..<probe }
            index = self.index(after: index)
        }
        return nil
    }
}

func printPrompts(_ campaign: Campaign) {
    let expander: Expander
    do {
        expander = try Expander(campaign: campaign)
    } catch {
        fail(error.message)
    }
    var output = Output()
    for variant in expander { output.line(variant.prompt) }
    output.flush()
}

// MARK: Main

var arguments = Array(CommandLine.arguments.dropFirst())
var axisValues: Int?
if let flag = arguments.firstIndex(of: "--axis-values") {
    guard flag + 1 < arguments.count, let value = Int(arguments[flag + 1]), value > 0 else {
        fail("--axis-values needs a positive number")
    }
    axisValues = value
    arguments.removeSubrange(flag...(flag + 1))
}

func count(_ text: String) -> UInt64 {
    // Accept 10000, 10_000 and 1e4.
    let cleaned = text.filter { $0 != "_" }
    if let value = UInt64(cleaned) { return value }
    if let value = Double(cleaned), value >= 1, value < 1.8e19, value == value.rounded() { return UInt64(value) }
    fail("not a count: \(text)")
}

switch (arguments.first, arguments.count) {
case ("variants", 3): benchVariants(arguments[1], count(arguments[2]))
case ("render", 3): benchRender(arguments[1], count(arguments[2]))
case ("dp-template", 2): print(dynamicpromptsTemplate(cut(load(arguments[1]).0, axisValues: axisValues)))
case ("prompts", 2): printPrompts(cut(load(arguments[1]).0, axisValues: axisValues))
default:
    writeAll(2, Array((usage + "\n").utf8))
    exit(2)
}
