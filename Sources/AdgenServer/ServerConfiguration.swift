import Foundation

/// How `adgen serve` runs: where it listens, how many batches it works on at once, its limits and its keys.
public struct ServerConfiguration: Sendable {
    /// What one request, one key and one batch may take.
    public struct Limits: Sendable {
        /// A YAML or JSON campaign body.
        public var campaignBytes = 1 << 20
        /// A multipart upload (the campaign and its files).
        public var multipartBytes = 10 << 20
        /// Creatives one batch may plan.
        public var creativesPerBatch = 100_000
        /// Batches a key may have queued or running at once.
        public var activeBatchesPerKey = 8
        /// Requests a key may make per second (sustained; twice as many in a burst); 0 turns the limit off.
        public var requestsPerSecond = 100.0
        /// Server-sent event streams open at once, over every key.
        public var eventStreams = 4096

        /// The defaults.
        public init() {}
    }

    public var host = "127.0.0.1"
    public var port = 8080
    /// Batches run at once in this process (each at its provider's own concurrency); 0 runs none (an API node).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// How long in-flight generations may take to finish after SIGTERM before they are given back.
    public var grace: Duration = .seconds(30)
    public var limits = Limits()
    /// API keys as given (`ADGEN_API_KEYS`): each is its own tenant.
    public var apiKeys: [String] = []
    /// Keys as SHA-256 digests with tenant names (`adgen.yaml`'s `server.api_keys`).
    public var apiKeyDigests: [(sha256: String, tenant: String)] = []
    /// The secret view tokens (gallery links) are signed with; random per process when nil.
    public var viewSecret: [UInt8]?
    /// How often idle workers look for batches (they are also woken by a submit).
    public var workerPoll: Duration = .seconds(1)
    /// How often the delivery loop sends what is due.
    public var deliveryInterval: Duration = .seconds(1)
    /// How often an event stream reads its batch from the store.
    public var eventPoll: Duration = .milliseconds(250)
    /// How long an event stream may be silent before a comment line goes out (proxies, dead clients).
    public var eventHeartbeat: Duration = .seconds(15)

    /// The defaults: 127.0.0.1:8080, a worker per core.
    public init() {}
}
