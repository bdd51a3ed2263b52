// dispatch-bench: the batch dispatcher's speed and memory (issue 4, "Speed and memory"), for run-dispatch.sh.
//
//   dispatch-bench latency --url URL [--jobs 2000] [--latency-ms 200] [--concurrency 32] [--connections C]
//       submits a batch of N distinct jobs (64×64 requests, one creative each) into a fresh SQLite store file, then
//       runs the real `Dispatcher` with the real `http` provider (`HTTPEndpointProvider`, size_check exact: every
//       answer is decoded and checked) against URL (latency_server.py). `keep` returns the generation's path (writes
//       nothing; --write writes the PNG with `AtomicFile`, fsync and rename, as the runner does); `process` reads the
//       job's creatives from the store and returns them succeeded (no pipeline). Ideal wall time: N·L/C.
//   dispatch-bench rate --url URL [--jobs 2000] [--rpm 600] [--concurrency 64] ...
//       the same with `requestsPerMinute`; ideal wall time N/rate.
//   dispatch-bench scale [--jobs 100000] [--concurrency 32]
//       a batch of N jobs submitted and dispatched against an in-process provider that answers at once (no HTTP):
//       the store's and the dispatcher's own cost, and the memory of a large batch.
//
// --connections is the HTTP client's connection pool (`concurrentHTTP1ConnectionsPerHostSoftLimit`); by default
// the client is made as `adgen run` makes it (`HTTPClient.withHTTPClient`, async-http-client's defaults: 8).
// --store DIR (default: a fresh folder under the temporary directory) holds the store file; it is removed at the end
// unless --keep-store.
//
// Prints one JSON line: `seconds` (the dispatch's wall time, from `Dispatcher.run` called to returned),
// `ideal_seconds` and `ratio`, `submit_seconds`, `cpu_ms_per_job` (the process' user + system CPU time over the
// dispatch, all threads, divided by N: the dispatcher, the store's transactions, and for latency/rate the HTTP
// client, JSON and base64 decoding and the PNG check; the provider server is another process), `peak_rss_mib`
// (VmHWM of /proc/self/status at the end), `rss_after_submit_mib`, the jobs completed, and for HTTP modes the
// server's peak requests in flight (GET /stats).

import AdgenCore
import AsyncHTTPClient
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: Helpers

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("dispatch-bench: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: dispatch-bench latency --url URL [--jobs N] [--latency-ms L] [--concurrency C] [--connections K] [--write]
           dispatch-bench rate --url URL [--jobs N] [--rpm R] [--concurrency C] [--connections K] [--write]
           dispatch-bench scale [--jobs N] [--concurrency C]
           common: [--store DIR] [--keep-store]
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

/// The process' user + system CPU time, all threads, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
    #else
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #endif
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func rounded(_ value: Double, _ places: Int) -> String {
    String(format: "%.\(places)f", value)
}

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init)
        ?? "null"
}

struct Options {
    var mode = ""
    var url: String?
    var jobs: Int?
    var latencyMs = 200.0
    var concurrency: Int?
    var rpm = 600.0
    var connections: Int?
    var write = false
    var store: String?
    var keepStore = false

    init(_ arguments: [String]) {
        guard let mode = arguments.first, ["latency", "rate", "scale"].contains(mode) else { fail(usage) }
        self.mode = mode
        var rest = arguments.dropFirst()
        func value(_ name: String) -> String {
            guard let value = rest.popFirst() else { fail("\(name) needs a value\n\(usage)") }
            return value
        }
        func number(_ name: String) -> Double {
            guard let number = Double(value(name)), number >= 0 else { fail("\(name) needs a number") }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--url": url = value(argument)
            case "--jobs": jobs = Int(number(argument))
            case "--latency-ms": latencyMs = number(argument)
            case "--concurrency": concurrency = Int(number(argument))
            case "--rpm": rpm = number(argument)
            case "--connections": connections = Int(number(argument))
            case "--write": write = true
            case "--store": store = value(argument)
            case "--keep-store": keepStore = true
            default: fail("unknown argument \(argument)\n\(usage)")
            }
        }
        if mode != "scale", url == nil { fail("\(mode) needs --url\n\(usage)") }
    }
}

/// Answers at once with the same few bytes: what is left is the dispatcher's and the store's own cost.
struct InstantProvider: ImageProvider {
    let id = "instant"
    static let bytes: [UInt8] = Array("not an image: the scale mode never decodes it".utf8)

    func generate(_ request: GenerationRequest) async throws -> GeneratedImage {
        GeneratedImage(bytes: Self.bytes, width: request.width, height: request.height, providerRequestID: nil)
    }
}

// MARK: The run

let options = Options(Array(CommandLine.arguments.dropFirst()))
let jobCount = options.jobs ?? (options.mode == "scale" ? 100_000 : 2000)
let concurrency = options.concurrency ?? (options.mode == "rate" ? 64 : 32)
let directory =
    options.store
    ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("dispatch-bench-\(getpid())")
try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(
    atPath: directory + "/generations", withIntermediateDirectories: true)
defer { if !options.keepStore { try? FileManager.default.removeItem(atPath: directory) } }

let logger: Logger = {
    var logger = Logger(label: "dispatch-bench")
    logger.logLevel = .error
    return logger
}()
let providerID = options.mode == "scale" ? "instant" : "http"

/// Submits the batch: N distinct 64×64 requests, one creative each, in one transaction (as `BatchSubmitter` does).
func submit(_ store: SQLiteJobStore) async throws -> String {
    let header = BatchHeader(
        id: "b_bench", campaign: "dispatch-bench", provider: providerID, model: "bench",
        source: CampaignSource(bytes: Array("campaign: dispatch-bench".utf8), file: "bench.yaml", directory: directory),
        idempotencyKey: nil, estimatedCostUSD: nil, maxCostUSD: nil, outputDirectory: directory + "/out",
        now: Date())
    let (batch, _) = try await store.submit(header) { sink in
        for index in 0..<jobCount {
            let prompt = "a product photo on a plain background, take \(index)"
            let request = GenerationRequest(prompt: prompt, seed: UInt64(index), width: 64, height: 64, model: "bench")
            let job = try sink.job(key: request.cacheKey(provider: providerID), request: request, family: "1:1")
            let variant = StoredVariant(
                Variant(
                    index: UInt64(index), prompt: prompt, negativePrompt: nil, axes: [], seed: UInt64(index), sizes: [])
            )
            try sink.creative(id: "c\(index)", job: job, variant: variant, sizeID: "square")
        }
    }
    return batch.id
}

func dispatch(provider: any ImageProvider, store: SQLiteJobStore, batch: String) async throws -> (
    ending: Dispatcher<ContinuousClock>.Ending, seconds: Double, cpu: Double
) {
    var configuration = Dispatcher<ContinuousClock>.Configuration()
    configuration.concurrency = concurrency
    if options.mode == "rate" { configuration.requestsPerMinute = options.rpm }
    let dispatcher = Dispatcher(
        store: store, provider: provider, configuration: configuration, clock: ContinuousClock(), logger: logger)
    let write = options.write
    let generations = directory + "/generations"
    let clock = ContinuousClock()
    let cpuBefore = cpuSeconds()
    let start = clock.now
    let ending = try await dispatcher.run(
        batch: batch,
        keep: { job, image in
            let path = "\(generations)/\(job.key).png"
            if write { try AtomicFile.write(image.bytes, to: path) }
            return path
        },
        process: { generated in
            try await store.creatives(job: generated.job.id).map {
                CreativeResult(id: $0.id, state: .succeeded, file: "\($0.sizeID)/\($0.id).png")
            }
        })
    let elapsed = start.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (ending, seconds, cpuSeconds() - cpuBefore)
}

/// GET (or with `post`, POST) `path` on the server of `url`; the body.
func server(_ client: HTTPClient, post: Bool = false, _ path: String) async throws -> String {
    guard let base = URL(string: options.url!), let scheme = base.scheme, let host = base.host else {
        fail("bad --url \(options.url!)")
    }
    var request = HTTPClientRequest(url: "\(scheme)://\(host):\(base.port ?? 80)\(path)")
    request.method = post ? .POST : .GET
    let answer = try await client.execute(request, timeout: .seconds(10))
    return String(buffer: try await answer.body.collect(upTo: 1 << 20))
}

func measure(provider: any ImageProvider, client: HTTPClient?) async throws {
    let load = loadAverage()
    let store = try SQLiteJobStore(path: directory + "/adgen.sqlite")
    let clock = ContinuousClock()
    let submitStart = clock.now
    let batch = try await submit(store)
    let submitted = submitStart.duration(to: clock.now)
    let submitSeconds = Double(submitted.components.seconds) + Double(submitted.components.attoseconds) / 1e18
    let rssAfterSubmit = memoryMiB("VmRSS")
    if let client { _ = try await server(client, post: true, "/reset") }
    let (ending, seconds, cpu) = try await dispatch(provider: provider, store: store, batch: batch)
    let record = try await store.batch(id: batch)
    var serverStats = "null"
    if let client { serverStats = try await server(client, "/stats") }
    let ideal: Double? =
        switch options.mode {
        case "latency": Double(jobCount) * options.latencyMs / 1000 / Double(concurrency)
        case "rate": Double(jobCount) / (options.rpm / 60)
        default: nil
        }
    var fields = [
        "\"mode\":\"\(options.mode)\"", "\"jobs\":\(jobCount)", "\"concurrency\":\(concurrency)",
        "\"connections\":\(options.connections.map(String.init) ?? "\"default\"")",
        "\"latency_ms\":\(options.mode == "latency" ? rounded(options.latencyMs, 1) : "null")",
        "\"rpm\":\(options.mode == "rate" ? rounded(options.rpm, 1) : "null")",
        "\"write\":\(options.write)", "\"ending\":\"\(ending)\"",
        "\"completed\":\(record?.jobs.completed ?? -1)", "\"failed\":\(record?.jobs.failed ?? -1)",
        "\"seconds\":\(rounded(seconds, 3))",
        "\"ideal_seconds\":\(ideal.map { rounded($0, 3) } ?? "null")",
        "\"ratio\":\(ideal.map { rounded(seconds / $0, 4) } ?? "null")",
        "\"jobs_per_second\":\(rounded(Double(jobCount) / seconds, 1))",
        "\"submit_seconds\":\(rounded(submitSeconds, 3))",
        "\"submit_jobs_per_second\":\(rounded(Double(jobCount) / submitSeconds, 1))",
        "\"cpu_seconds\":\(rounded(cpu, 3))",
        "\"cpu_ms_per_job\":\(rounded(cpu * 1000 / Double(jobCount), 4))",
        "\"rss_after_submit_mib\":\(rounded(rssAfterSubmit, 1))",
        "\"peak_rss_mib\":\(rounded(memoryMiB("VmHWM"), 1))",
        "\"load1_start\":\(load)", "\"load1_end\":\(loadAverage())",
    ]
    fields.append("\"server\":\(serverStats)")
    print("{" + fields.joined(separator: ",") + "}")
    if record?.jobs.completed != jobCount {
        FileHandle.standardError.write(Data("dispatch-bench: not every job completed (\(ending))\n".utf8))
        exit(1)
    }
}

if options.mode == "scale" {
    try await measure(provider: InstantProvider(), client: nil)
} else {
    @Sendable func run(_ client: HTTPClient) async throws {
        let provider = try HTTPEndpointProvider(
            model: "bench", parameters: ["size_check": "exact", "timeout_seconds": "60"], httpClient: client,
            configuration: .init(url: options.url!))
        try await measure(provider: provider, client: client)
    }
    // `adgen run` makes its client with async-http-client's default configuration (BatchSession); --connections
    // widens the pool.
    var configuration = HTTPClient.Configuration()
    if let connections = options.connections {
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
    }
    try await HTTPClient.withHTTPClient(configuration: configuration) { client in try await run(client) }
}
