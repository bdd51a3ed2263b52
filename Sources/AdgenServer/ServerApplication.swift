import AdgenCore
import AdgenService
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

/// `adgen serve`: the HTTP API of docs/openapi.yaml over a `BatchService`, with the in-process batch workers and the
/// webhook delivery loop as services of one lifecycle. SIGTERM (or SIGINT) stops accepting connections, ends the
/// event streams, lets the generations in flight finish for the grace period and gives the rest back to the queue.
public struct Server: Sendable {
    let state: ServerState

    /// A server over `service` (its store, data root and provider settings).
    public init(
        service: BatchService, configuration: ServerConfiguration, metrics: ServerMetrics = ServerMetrics(),
        logger: Logger
    ) {
        state = ServerState(service: service, configuration: configuration, metrics: metrics, logger: logger)
    }

    /// The routes that are not generated from the document (bytes rather than JSON objects), as the document names
    /// them: a test checks this list and the document against each other.
    public static let handWrittenRoutes: [(method: String, path: String)] = [
        ("GET", "/v1/creatives/{creative_id}/image"),
        ("GET", "/v1/batches/{batch_id}/manifest.json"),
        ("GET", "/v1/batches/{batch_id}/packs/{pack}.zip"),
        ("GET", "/v1/batches/{batch_id}/events"),
        ("GET", "/batches/{batch_id}"),
        ("GET", "/openapi.yaml"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
    ]

    /// The document served at /openapi.yaml, as the generated code was made from it.
    public static var document: String { openAPIDocument }

    /// Every route on one router.
    public func router() async throws -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let state = state
        router.add(
            middleware: ErrorShapeMiddleware(metrics: state.metrics, routes: RouteTable(document: openAPIDocument)))
        router.add(middleware: AuthMiddleware(server: state))
        try APIHandler(server: state).registerHandlers(on: router, middlewares: [APIErrorMiddleware()])
        StreamRoutes<BasicRequestContext>(server: state).register(on: router)
        let gallery = try await GalleryPage.load(server: state)
        router.get("/batches/:batch_id") { _, context in
            try await gallery.render(batchID: try context.parameters.require("batch_id"))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: openAPIDocument)))
        }
        router.get("/healthz") { _, _ in Self.json(#"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            var store = "ok"
            do {
                _ = try await state.service.store.state(batch: "b_0000000000000000")
            } catch {
                store = "unreachable"
            }
            let ready = store == "ok" && (state.workers.isRunning || state.configuration.workers == 0)
            return Self.json(
                #"{"status":"\#(ready ? "ready" : "not ready")","store":"\#(store)","workers":\#(state.workers.running)}"#,
                status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            let text = await state.metrics.render(service: await Self.snapshot(state))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        return router
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Batches by state (the newest 1,000) and the jobs of the unfinished ones.
    static func snapshot(_ state: ServerState) async -> BatchServiceSnapshot {
        var snapshot = BatchServiceSnapshot(
            workersBusy: state.workers.running, eventStreams: state.hubs.openCount)
        for kind in Batch.State.allCases { snapshot.batches[kind.rawValue] = 0 }
        for kind in GenerationJob.State.allCases { snapshot.jobs[kind.rawValue] = 0 }
        guard
            let page = try? await state.service.batches(BatchQuery(tenant: .any, states: nil, after: nil, limit: 1000))
        else { return snapshot }
        for batch in page.batches {
            snapshot.batches[batch.state.rawValue, default: 0] += 1
            guard !batch.state.isFinished else { continue }
            snapshot.jobs["succeeded", default: 0] += batch.jobs.completed
            snapshot.jobs["failed", default: 0] += batch.jobs.failed
            snapshot.jobs["cancelled", default: 0] += batch.jobs.cancelled
            snapshot.jobs["pending", default: 0] += batch.jobs.remaining
        }
        return snapshot
    }

    /// The application: the HTTP server with the workers and the delivery loop as its services. `onRunning` gets the
    /// port it listens on (the one asked for, or the one the system gave for port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws
        -> some ApplicationProtocol
    {
        let configuration = state.configuration
        return Application(
            router: try await router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(75))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "adgen"),
            services: [state.workers, state.deliveries],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: state.logger)
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onRunning: onRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
