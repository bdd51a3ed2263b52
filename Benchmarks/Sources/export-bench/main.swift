// export-bench: the stores that run-export.sh exports with the real `adgen export` (issue 12, item 5), and what the
// export wrote.
//
//   export-bench synthesize --store FILE --from BATCH --count N
//       submits a new batch of N creatives to the SQLite store FILE through the store API (`JobStore.submit`, `claim`,
//       `complete`, `setState`), with BATCH's campaign (as submitted) and creatives cycled: creative i is a copy of
//       BATCH's i mod M-th delivered creative (its size, prompt, axes, scorecard, tags), with an id of its own, and
//       its file is a hard link to that creative's file (a copy when linking fails), so every creative points at a
//       real picture of real content and size and the store records its real length and SHA-256. One generation per
//       creative. The batch is completed, `finished_at` now. Prints the new batch id.
//       Making 10,000 creatives through `adgen run` takes ~30 minutes on 2 cores; this takes seconds, and what is
//       measured, `adgen export`, reads the store and the files exactly as it reads a batch `adgen run` made.
//   export-bench tree DIR
//       one JSON line about an export folder: files, bytes, the largest file, the number of gallery pages, the
//       largest page, the size of index.html and the largest creative file.

import AdgenCore
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
    usage: export-bench synthesize --store FILE --from BATCH --count N
           export-bench tree DIR
    """

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// A new batch of `count` creatives copied from `source`'s delivered ones; returns its id.
func synthesize(store path: String, from source: String, count: Int) async throws -> String {
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
                try link("\(batch.outputDirectory)/\(template.file!)", "\(output)/\(file)")
                results.append(
                    CreativeResult(
                        id: creative.id, state: .succeeded, file: file, bytes: template.bytes,
                        sha256: template.sha256, format: template.format, scorecard: template.scorecard,
                        events: template.events))
            }
            _ = try await store.complete(job: job.id, owner: owner, creatives: results, now: Date())
            done += 1
        }
    }
    try await store.setState(batch: id, .completed, reason: nil, now: Date())
    FileHandle.standardError.write(Data("export-bench: batch \(id): \(count) creatives, \(done) generations\n".utf8))
    return id
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

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "synthesize":
    guard let store = option("--store", in: arguments), let source = option("--from", in: arguments),
        let count = option("--count", in: arguments).flatMap({ Int($0) }), count > 0
    else { fail(usage) }
    print(try await synthesize(store: store, from: source, count: count))
case "tree":
    guard arguments.count == 2 else { fail(usage) }
    print(tree(arguments[1]))
default:
    fail(usage)
}
