import AdgenCore
import AsyncHTTPClient
import Foundation
import Logging
import Synchronization

/// The engine as every front end sees it: submit a campaign, run, resume and cancel its batch, deliver and export
/// it, and tell where it stands. The CLI, `adgen serve` and `adgen worker` call this and nothing else below it; they
/// parse their input, render what it returns and map its `ServiceError`s to exit codes or HTTP statuses.
///
/// It never prints, never exits and never sets up logging: it takes a `Logger` and returns values (and, while a batch
/// runs, a stream of `BatchEvent`s).
public struct BatchService: Sendable {
    /// Where and how the service works.
    public struct Configuration: Sendable {
        /// The operator's `adgen.yaml`: provider defaults and webhook settings.
        public var settings: AdgenConfiguration
        /// Where generations and creatives are written.
        public var dataRoot: DataRoot
        /// Where credentials (provider keys, webhook secrets) and the webhook overrides are read from.
        public var environment: [String: String]
        /// How often a running batch's progress is read from the store.
        public var progressInterval: Duration = .milliseconds(250)

        /// Creates a configuration.
        public init(settings: AdgenConfiguration, dataRoot: DataRoot, environment: [String: String]) {
            self.settings = settings
            self.dataRoot = dataRoot
            self.environment = environment
        }
    }

    public let configuration: Configuration
    /// The store the service works on.
    public let store: any BatchStore
    let providers: ProviderFactory
    let contexts = ContextCache()
    let logger: Logger

    /// A service over `store`, calling providers and webhooks through `httpClient`.
    public init(configuration: Configuration, store: any BatchStore, httpClient: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.store = store
        providers = ProviderFactory(environment: configuration.environment, httpClient: httpClient)
        self.logger = logger
    }

    /// Runs `body` with a service over `store` and an HTTP client of its own, shut down when `body` returns.
    public static func with<Result: Sendable>(
        configuration: Configuration, store: any BatchStore, logger: Logger,
        _ body: (BatchService) async throws -> Result
    ) async throws -> Result {
        // The client's default of 8 connections per host would cap a provider's `concurrency` at 8.
        var http = HTTPClient.Configuration()
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        return try await HTTPClient.withHTTPClient(configuration: http) { client in
            try await body(BatchService(configuration: configuration, store: store, httpClient: client, logger: logger))
        }
    }

    // MARK: Campaigns

    /// Loads and checks a campaign: every error of the file (and of the files it references) at its FILE:LINE:COL,
    /// as `ServiceError.Kind.invalidCampaign`. The operator's provider defaults are applied.
    public func load(_ source: CampaignSource) throws(ServiceError) -> BatchContext {
        try Self.load(source, settings: configuration.settings)
    }

    /// `load` for a campaign a server was sent on behalf of `tenant`: its references must stay inside `files` (what the
    /// request uploaded), and its export folders go under the tenant's area of the data root.
    public func load(_ source: CampaignSource, tenant: String, files: String) throws(ServiceError) -> BatchContext {
        try Self.load(source, settings: configuration.settings, loader: loader(tenant: tenant, files: files))
    }

    /// The loader of a tenant's campaigns.
    func loader(tenant: String, files: String) -> CampaignLoader {
        var loader = CampaignLoader()
        loader.configuration.confinement = .init(
            files: files, exports: "\(configuration.dataRoot.path)/\(DataRoot.tenantFolder(tenant))/exports")
        return loader
    }

    /// `load` without a service: what a front end checks before it opens a store, so an invalid campaign stores
    /// nothing.
    ///
    /// A campaign read from disk is snapshotted: the context's source carries every file it references (paths
    /// relative to their common folder), which `submit` stores with the batch.
    public static func load(
        _ source: CampaignSource, settings: AdgenConfiguration, loader: CampaignLoader = .init()
    ) throws(ServiceError) -> BatchContext {
        do {
            guard source.files.isEmpty else {
                return try BatchContext(source: source, defaults: settings.providers, loader: loader)
            }
            let (context, snapshot) = try CampaignSnapshot.capture(
                source, extraFiles: { (context: BatchContext) in Self.providerFiles(of: context.campaign) }
            ) { source in
                try BatchContext(source: source, defaults: settings.providers, loader: loader)
            }
            return try BatchContext(campaign: context.campaign, source: snapshot, directory: context.directory)
        } catch let error as CampaignError {
            throw .invalidCampaign(error)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .wrapping(error)
        }
    }

    /// Files a provider reads for a campaign (a ComfyUI workflow), relative to the campaign's folder or absolute.
    static func providerFiles(of campaign: Campaign) -> [String] {
        [campaign.generation.parameters["workflow"]].compactMap { $0 }
    }

    /// The context of batch `id`: its campaign as submitted, loaded once per process.
    public func context(of id: String) async throws(ServiceError) -> BatchContext {
        if let context = contexts[id] { return context }
        let source: CampaignSource
        let tenant: String?
        let folder = "\(configuration.dataRoot.path)/\(DataRoot.snapshotFolder(id))"
        do {
            // A snapshot is written out under the data root once, and loaded from there.
            source = try CampaignSnapshot.materialize(try await store.campaignSource(batch: id), into: folder)
            tenant = try await store.batch(id: id)?.tenant
        } catch {
            throw .wrapping(error)
        }
        // A tenant's campaign loads as it was checked: its export folders in the tenant's area.
        let context: BatchContext
        if let tenant {
            context = try Self.load(
                source, settings: configuration.settings, loader: loader(tenant: tenant, files: folder))
        } else {
            context = try load(source)
        }
        contexts[id] = context
        return context
    }

    // MARK: Listings

    /// The batch `id` with its counts and cost.
    public func batch(_ id: String) async throws(ServiceError) -> Batch {
        let batch: Batch?
        do {
            batch = try await store.batch(id: id)
        } catch {
            throw .wrapping(error)
        }
        guard let batch else { throw .noSuchBatch(id) }
        return batch
    }

    /// The batch `id` when `tenant` owns it (nil: a CLI batch, no tenant); another tenant's batch is `noSuchBatch`,
    /// exactly as a batch that does not exist.
    public func batch(_ id: String, tenant: String?) async throws(ServiceError) -> Batch {
        let found = try await batch(id)
        guard found.tenant == tenant else { throw .noSuchBatch(id) }
        return found
    }

    /// A page of `query`'s batches, newest first.
    public func batches(_ query: BatchQuery) async throws(ServiceError) -> BatchPage {
        do {
            return try await store.batches(query)
        } catch {
            throw .wrapping(error)
        }
    }

    /// The latest batches, newest first.
    public func batches(limit: Int) async throws(ServiceError) -> [Batch] {
        do {
            return try await store.batches(limit: limit)
        } catch {
            throw .wrapping(error)
        }
    }

    /// Why creatives of batch `id` failed or were cancelled, most frequent reason first.
    public func failureReasons(_ id: String, limit: Int = 10) async throws(ServiceError) -> [FailureReason] {
        let creatives: [CreativeRecord]
        do {
            creatives = try await store.creatives(batch: id)
        } catch {
            throw .wrapping(error)
        }
        return FailureReason.tally(creatives.compactMap(\.failure)).prefix(limit).map { $0 }
    }

    // MARK: Cancelling

    /// Cancels batch `id`: nothing new starts, and runners (in any process) stop what is in flight. Returns the batch
    /// before and after; a batch already finished is left as it is.
    public func cancel(_ id: String, now: Date) async throws(ServiceError) -> (before: Batch, after: Batch) {
        let before = try await batch(id)
        if !before.state.isFinished {
            do {
                try await store.cancelPending(batch: id, reason: "cancelled by the user", cancelBatch: true, now: now)
            } catch {
                throw .wrapping(error)
            }
        }
        return (before, try await batch(id))
    }
}

/// A failure reason and how many creatives it stopped.
public struct FailureReason: Sendable, Equatable, Encodable {
    public var reason: String
    public var count: Int

    /// Reasons by count, most frequent first (then alphabetically).
    static func tally(_ reasons: [String]) -> [FailureReason] {
        reasons.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            .map { FailureReason(reason: $0.key, count: $0.value) }
            .sorted { ($1.count, $0.reason) < ($0.count, $1.reason) }
    }
}

/// The batch contexts this process has loaded, by batch id: a campaign is parsed once per process per batch. A
/// long-running process keeps the most recently used `capacity` of them.
final class ContextCache: Sendable {
    private let state = Mutex<(contexts: [String: BatchContext], order: [String])>(([:], []))
    let capacity = 64

    subscript(id: String) -> BatchContext? {
        get {
            state.withLock { state in
                guard let context = state.contexts[id] else { return nil }
                state.order.removeAll { $0 == id }
                state.order.append(id)
                return context
            }
        }
        set {
            state.withLock { state in
                state.order.removeAll { $0 == id }
                state.contexts[id] = newValue
                guard newValue != nil else { return }
                state.order.append(id)
                while state.order.count > capacity { state.contexts[state.order.removeFirst()] = nil }
            }
        }
    }
}
