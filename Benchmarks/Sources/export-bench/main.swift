// export-bench: the stores that run-export.sh exports with the real `adgen export` (issue 12, item 5), and what the
// export wrote.
//
//   export-bench synthesize --store FILE --from BATCH --count N [--pad-png-to BYTES]
//       submits a new batch of N creatives to the SQLite store FILE through the store API (`JobStore.submit`, `claim`,
//       `complete`, `setState`), with BATCH's campaign (as submitted) and creatives cycled: creative i is a copy of
//       BATCH's i mod M-th delivered creative (its size, prompt, axes, scorecard, tags), with an id of its own, and
//       its file is a hard link to that creative's file (a copy when linking fails), so every creative points at a
//       real picture of real content and size and the store records its real length and SHA-256. One generation per
//       creative. The batch is completed, `finished_at` now. Prints the new batch id.
//       Making 10,000 creatives through `adgen run` takes ~30 minutes on 2 cores; this takes seconds, and what is
//       measured, `adgen export`, reads the store and the files exactly as it reads a batch `adgen run` made.
//       --pad-png-to BYTES: each PNG creative smaller than BYTES gets a file of its own, the template's PNG with a
//       private ancillary chunk (`adGn`, pseudo-random bytes, its CRC right) before IEND, so that it is BYTES long:
//       the local renderer's flat pictures compress to ~400 kB at 1080x1920, a detailed picture to ~1.6 MB. Decoders
//       skip the chunk (the picture is the template's); the export reads, hashes, copies and packs every byte.
//   export-bench memory --store FILE --batch BATCH
//       one JSON line: the resident memory (VmRSS, MiB) at start, after `DeliveryBatch.load` and after building the
//       `Manifest` of the batch, what `adgen export` holds before it writes anything.
//   export-bench export --store FILE --batch BATCH --to DIR
//       `DeliveryBatch.load` and `FolderExporter(root: DIR).export` in this process, as `adgen export` calls them,
//       without what the command does after (announcing the export); one JSON line with VmHWM after the load and at
//       the end: the library's own peak.
//   export-bench tree DIR
//       one JSON line about an export folder: files, bytes, the largest file, the number of gallery pages, the
//       largest page, the size of index.html and the largest creative file.

import AdgenCore
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("export-bench: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: export-bench synthesize --store FILE --from BATCH --count N [--pad-png-to BYTES]
           export-bench memory --store FILE --batch BATCH
           export-bench export --store FILE --batch BATCH --to DIR
           export-bench tree DIR
    """

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// A new batch of `count` creatives copied from `source`'s delivered ones; returns its id.
func synthesize(store path: String, from source: String, count: Int, padTo: Int?) async throws -> String {
    let store = try SQLiteJobStore(path: path)
    guard let batch = try await store.batch(id: source) else { fail("no batch \(source) in \(path)") }
    let campaign = try await store.campaignSource(batch: source)
    let templates = try await store.creatives(batch: source).filter {
        $0.state == .succeeded && $0.dropped == nil && $0.file != nil && $0.sha256 != nil
    }.sorted { $0.id < $1.id }
    guard !templates.isEmpty else { fail("batch \(source) has no delivered creative to copy") }
    let jobs = Dictionary(uniqueKeysWithValues: try await store.jobs(batch: source).map { ($0.id, $0) })

    var generator = SystemRandomNumberGenerator()
    let hex = String(generator.next() as UInt64, radix: 16)
    let id = "b_" + String(repeating: "0", count: 16 - hex.count) + hex
    let output = "\((batch.outputDirectory as NSString).deletingLastPathComponent)/\(id)"
    let now = Date()
    let header = BatchHeader(
        id: id, campaign: batch.campaign, provider: batch.provider, model: batch.model, source: campaign,
        idempotencyKey: nil, estimatedCostUSD: nil, maxCostUSD: nil, outputDirectory: output, now: now)
    let made = try await store.submit(header) { sink in
        for index in 0..<count {
            let template = templates[index % templates.count]
            guard let job = jobs[template.jobID] else { continue }
            var request = job.request
            request.seed = UInt64(index)
            let jobID = try sink.job(key: "export-bench-\(id)-\(index)", request: request, family: job.family)
            var variant = template.variant
            variant.id = "v\(index)"
            variant.seed = UInt64(index)
            try sink.creative(id: creativeID(index), job: jobID, variant: variant, sizeID: template.sizeID)
        }
    }
    guard made.created else { fail("the store already had batch \(id)") }

    // Each creative made: its file linked from the template's, recorded with the template's checks.
    let owner = "export-bench"
    var done = 0
    while true {
        let claimed = try await store.claim(
            batch: id, owner: owner, limit: 500, now: Date(), leaseUntil: Date().addingTimeInterval(3600))
        if claimed.isEmpty { break }
        for job in claimed {
            var results: [CreativeResult] = []
            for creative in try await store.creatives(job: job.id) {
                guard let index = Int(creative.id.dropFirst(2)) else { continue }
                let template = templates[index % templates.count]
                let ext = ((template.file ?? "") as NSString).pathExtension
                let file = "\(creative.sizeID)/\(creative.id).\(ext)"
                let original = "\(batch.outputDirectory)/\(template.file!)"
                var bytes = template.bytes
                var sha256 = template.sha256
                if let padTo, ext == "png", let png = FileManager.default.contents(atPath: original),
                    png.count + 12 < padTo
                {
                    let padded = pad([UInt8](png), to: padTo, seed: UInt64(index))
                    try FileManager.default.createDirectory(
                        atPath: "\(output)/\(creative.sizeID)", withIntermediateDirectories: true)
                    try Data(padded).write(to: URL(fileURLWithPath: "\(output)/\(file)"))
                    bytes = padded.count
                    sha256 = SHA256.hash(data: padded).map { String(format: "%02x", $0) }.joined()
                } else {
                    try link(original, "\(output)/\(file)")
                }
                results.append(
                    CreativeResult(
                        id: creative.id, state: .succeeded, file: file, bytes: bytes, sha256: sha256,
                        format: template.format, scorecard: template.scorecard, events: template.events))
            }
            _ = try await store.complete(job: job.id, owner: owner, creatives: results, now: Date())
            done += 1
        }
    }
    try await store.setState(batch: id, .completed, reason: nil, now: Date())
    FileHandle.standardError.write(Data("export-bench: batch \(id): \(count) creatives, \(done) generations\n".utf8))
    return id
}

/// `png` with a private ancillary chunk `adGn` of pseudo-random bytes before its IEND chunk, `length` bytes long.
func pad(_ png: [UInt8], to length: Int, seed: UInt64) -> [UInt8] {
    let iend = png.count - 12
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    let data = (0..<(length - png.count - 12)).map { _ -> UInt8 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
    let type = Array("adGn".utf8)
    var chunk = withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init) + type + data
    chunk += withUnsafeBytes(of: crc32(type + data).bigEndian, Array.init)
    return Array(png[..<iend]) + chunk + Array(png[iend...])
}

/// The CRC-32 of PNG chunks (ISO 3309, as zlib's).
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// `c_00000042`: sorted as made.
func creativeID(_ index: Int) -> String {
    let digits = String(index)
    return "c_" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// A hard link at `target` to `source` (its folder made), or a copy.
func link(_ source: String, _ target: String) throws {
    try FileManager.default.createDirectory(
        atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    if Glibc.link(source, target) == 0 { return }
    try FileManager.default.copyItem(atPath: source, toPath: target)
}

/// One JSON line about the export folder `directory`.
func tree(_ directory: String) -> String {
    guard let walker = FileManager.default.enumerator(atPath: directory) else { fail("cannot read \(directory)") }
    var files = 0
    var bytes = 0
    var largest = (name: "", bytes: 0)
    var pages = 0
    var largestPage = 0
    var largestCreative = 0
    var index = 0
    for case let relative as String in walker {
        var status = stat()
        guard stat("\(directory)/\(relative)", &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
        let size = Int(status.st_size)
        files += 1
        bytes += size
        if size > largest.bytes { largest = (relative, size) }
        if relative.hasPrefix("gallery/") {
            pages += 1
            largestPage = max(largestPage, size)
        } else if relative == "index.html" {
            index = size
        } else if !relative.hasPrefix("packs/") && !relative.hasPrefix("manifest.")
            && relative != "contact-sheet.jpg"
        {
            largestCreative = max(largestCreative, size)
        }
    }
    return """
        {"files":\(files),"bytes":\(bytes),"largest_file":"\(largest.name)","largest_file_bytes":\(largest.bytes),\
        "gallery_pages":\(pages),"largest_page_bytes":\(largestPage),"index_html_bytes":\(index),\
        "largest_creative_bytes":\(largestCreative)}
        """
}

/// A field of /proc/self/status in MiB (`VmRSS`, `VmHWM`).
func memoryMiB(_ field: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        if let kib = Double(String(line.dropFirst(field.count + 1).filter(\.isNumber))) { return kib / 1024 }
    }
    return 0
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "synthesize":
    guard let store = option("--store", in: arguments), let source = option("--from", in: arguments),
        let count = option("--count", in: arguments).flatMap({ Int($0) }), count > 0
    else { fail(usage) }
    let padTo = option("--pad-png-to", in: arguments).flatMap { Int($0) }
    print(try await synthesize(store: store, from: source, count: count, padTo: padTo))
case "memory":
    guard let store = option("--store", in: arguments), let batch = option("--batch", in: arguments) else {
        fail(usage)
    }
    let start = memoryMiB("VmRSS")
    let delivery = try await DeliveryBatch.load(batch: batch, from: try SQLiteJobStore(path: store))
    let loaded = memoryMiB("VmRSS")
    let manifest = Manifest(delivery)
    let built = memoryMiB("VmRSS")
    print(
        """
        {"creatives":\(delivery.creatives.count),"delivered":\(manifest.creatives.count),"start_mib":\(start),\
        "after_load_mib":\(loaded),"after_manifest_mib":\(built),"peak_mib":\(memoryMiB("VmHWM"))}
        """)
case "export":
    guard let store = option("--store", in: arguments), let batch = option("--batch", in: arguments),
        let root = option("--to", in: arguments)
    else { fail(usage) }
    let delivery = try await DeliveryBatch.load(batch: batch, from: try SQLiteJobStore(path: store))
    let loaded = memoryMiB("VmHWM")
    let started = Date()
    let export = try FolderExporter(root: root).export(delivery)
    print(
        """
        {"creatives":\(export.manifest.creatives.count),"files":\(export.files),"bytes":\(export.bytes),\
        "seconds":\(Date().timeIntervalSince(started)),"peak_after_load_mib":\(loaded),"peak_mib":\(memoryMiB("VmHWM"))}
        """)
case "tree":
    guard arguments.count == 2 else { fail(usage) }
    print(tree(arguments[1]))
default:
    fail(usage)
}
