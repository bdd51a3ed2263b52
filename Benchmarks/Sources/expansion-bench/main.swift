// expansion-bench: throughput and peak memory of adgen's lazy expansion.
//
//   expansion-bench variants CAMPAIGN N     iterate N variants with `Expander` (a `Variant` each: prompt, id,
//                                           axes), reading each prompt and id, and print one JSON line
//   expansion-bench cursor CAMPAIGN N       the same N variants through `VariantSpace.render(at:cursor:)`: prompt
//                                           bytes and id into reused buffers, no `Variant` values (the path
//                                           `adgen expand` streams from)
//   expansion-bench render CAMPAIGN N       the same, without the id (`computeID: false`): prompts only, the cost
//                                           of the mixed-radix decoding plus the template engine
//   expansion-bench dp-template CAMPAIGN [--axis-values K]
//                                           print the campaign's prompt as a plain dynamicprompts template: every
//                                           `{{axis}}` becomes `{v1|v2|…}`, every `{{brief.key}}` its text
//   expansion-bench prompts CAMPAIGN [--axis-values K]
//                                           print every prompt of the campaign, one per line
//
// `--threads T` (variants, cursor, render) splits `0..<N` into T contiguous slices expanded in parallel, each with
// its own Expander or cursor: what index-addressed expansion allows on several cores (default 1).
//
// `--axis-values K` keeps only the first K values of every axis, so a 10^7-variant campaign can be checked against
// dynamicprompts on a complete, small slice of the same template and wildcard files.
//
// The JSON line: {"mode", "n", "threads", "seconds", "variants_per_second", "peak_rss_mib", "rss_before_mib",
// "load_seconds", "space", "checksum"}. `seconds` covers the expansion loop only (the campaign is loaded and the
// space built before the clock starts; `load_seconds` says how long that took). `peak_rss_mib` is VmHWM of
// /proc/self/status at the end (the process' high-water mark), `rss_before_mib` VmRSS just before the loop.

import AdgenCore
import Dispatch

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
    usage: expansion-bench variants CAMPAIGN N [--threads T]
           expansion-bench cursor CAMPAIGN N [--threads T]
           expansion-bench render CAMPAIGN N [--threads T]
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
    return
        "\(integer < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
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
        fail(
            error.diagnostics.map { "\($0.location.file):\($0.location.line):\($0.location.column): \($0.message)" }
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

/// Per-thread results, written by each worker to its own slot.
struct Slots: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt64>
}

/// Splits `0..<n` into `threads` contiguous ranges and runs `work(thread, start, count)` on each, in parallel;
/// returns the sum of their checksums and the time taken.
func runSplit(_ n: UInt64, threads: Int, _ work: @Sendable (Int, UInt64, UInt64) -> UInt64) -> (UInt64, Duration) {
    let slots = Slots(pointer: .allocate(capacity: threads))
    defer { slots.pointer.deallocate() }
    let clock = ContinuousClock()
    let start = clock.now
    if threads == 1 {
        slots.pointer[0] = work(0, 0, n)
    } else {
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let (first, count) = share(n, threads: threads, thread)
            slots.pointer[thread] = work(thread, first, count)
        }
    }
    let elapsed = clock.now - start
    return ((0..<threads).reduce(0) { $0 &+ slots.pointer[$1] }, elapsed)
}

/// Thread `thread`'s part of `0..<n`: its first index and count.
func share(_ n: UInt64, threads: Int, _ thread: Int) -> (UInt64, UInt64) {
    let first = n * UInt64(thread) / UInt64(threads)
    return (first, n * UInt64(thread + 1) / UInt64(threads) - first)
}

/// Expands `n` variants with `Expander` (one per thread, each over its own slice: `offset`/`limit`) and reports.
func benchVariants(_ path: String, _ n: UInt64, threads: Int) {
    let (campaign, loadTime) = load(path)
    var expanders = [Expander]()
    for thread in 0..<threads {
        let (first, count) = share(n, threads: threads, thread)
        do {
            expanders.append(try Expander(campaign: campaign, configuration: .init(offset: first, limit: count)))
        } catch {
            fail(error.message)
        }
    }
    let space = expanders[0].space
    guard space.count >= n else { fail("the campaign has only \(space.count) variants, fewer than \(n)") }
    let before = memoryMiB("VmRSS")
    let (checksum, elapsed) = runSplit(n, threads: threads) { [expanders] thread, _, _ in
        var checksum: UInt64 = 0
        for variant in expanders[thread] {
            // Consume what a consumer of the variant would: the prompt's bytes and the id, so nothing is dropped.
            checksum &+= UInt64(variant.prompt.utf8.count) &+ UInt64(variant.id.utf8.count)
            checksum &+= UInt64(variant.id.utf8.first ?? 0) &+ UInt64(variant.prompt.utf8.last ?? 0)
            checksum &+= UInt64(variant.axes.count)
        }
        return checksum
    }
    report("variants", n, threads, elapsed, before: before, load: loadTime, space: space.count, checksum: checksum)
}

/// The same `n` variants through `VariantSpace.render(at:cursor:computeID:)`: the bytes-only path `adgen expand`
/// streams from (prompt bytes and, when `computeID`, the id), without building `Variant` values.
func benchCursor(_ path: String, _ n: UInt64, computeID: Bool, threads: Int) {
    let (campaign, loadTime) = load(path)
    let space: VariantSpace
    do {
        space = try VariantSpace(campaign: campaign)
    } catch {
        fail(error.message)
    }
    guard space.count >= n else { fail("the campaign has only \(space.count) variants, fewer than \(n)") }
    let before = memoryMiB("VmRSS")
    let (checksum, elapsed) = runSplit(n, threads: threads) { _, first, count in
        var cursor = space.makeCursor()
        var checksum: UInt64 = 0
        var index = first
        while index < first + count {
            space.render(at: index, cursor: &cursor, computeID: computeID)
            checksum &+= UInt64(cursor.prompt.count) &+ UInt64(cursor.prompt.last ?? 0)
            checksum &+= UInt64(cursor.id.utf8.count) &+ UInt64(cursor.id.utf8.first ?? 0)
            index += 1
        }
        return checksum
    }
    report(
        computeID ? "cursor" : "render", n, threads, elapsed, before: before, load: loadTime, space: space.count,
        checksum: checksum)
}

func report(
    _ mode: String, _ n: UInt64, _ threads: Int, _ elapsed: Duration, before: Double, load: Duration, space: UInt64,
    checksum: UInt64
) {
    let time = seconds(elapsed)
    let rate = time > 0 ? Double(n) / time : 0
    print(
        "{\"mode\":\"\(mode)\",\"n\":\(n),\"threads\":\(threads),\"seconds\":\(rounded(time, 4)),\"variants_per_second\":\(rounded(rate, 0)),"
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
var threads = 1
if let flag = arguments.firstIndex(of: "--threads") {
    guard flag + 1 < arguments.count, let value = Int(arguments[flag + 1]), (1...256).contains(value) else {
        fail("--threads needs a number from 1 to 256")
    }
    threads = value
    arguments.removeSubrange(flag...(flag + 1))
}
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
case ("variants", 3): benchVariants(arguments[1], count(arguments[2]), threads: threads)
case ("cursor", 3): benchCursor(arguments[1], count(arguments[2]), computeID: true, threads: threads)
case ("render", 3): benchCursor(arguments[1], count(arguments[2]), computeID: false, threads: threads)
case ("dp-template", 2): print(dynamicpromptsTemplate(cut(load(arguments[1]).0, axisValues: axisValues)))
case ("prompts", 2): printPrompts(cut(load(arguments[1]).0, axisValues: axisValues))
default:
    writeAll(2, Array((usage + "\n").utf8))
    exit(2)
}
