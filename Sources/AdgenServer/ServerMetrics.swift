import AdgenCore
import Foundation
import Metrics
import Prometheus

/// The metrics `/metrics` shows, in the Prometheus text format, every name prefixed `adgen_`. The engine records
/// its own (provider request latency, retries, circuit state, cost, webhook attempts) through swift-metrics, which
/// `bootstrap` points at this registry; the server adds HTTP requests and, at each scrape, jobs and batches by state.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let requestDuration: DurationHistogram

    /// Metrics in `registry`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        requestDuration = registry.makeDurationHistogram(
            name: "adgen_http_request_duration_seconds",
            buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .seconds(1)],
            help: "HTTP request handling time")
    }

    /// Points swift-metrics (what the engine records) at `registry`, once per process.
    public static func bootstrap(_ registry: PrometheusCollectorRegistry) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5), .seconds(15), .seconds(60),
            .seconds(300),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Counts a request by its status class.
    func request(status: Int, duration: Duration) {
        registry.makeCounter(name: "adgen_http_requests_total", labels: [("status", "\(status / 100)xx")]).increment()
        requestDuration.record(duration)
    }

    /// Reads the counts that are state rather than events (batches and jobs by state, workers, open streams) and
    /// renders every metric.
    func render(service: BatchServiceSnapshot) async -> [UInt8] {
        for (state, count) in service.batches {
            registry.makeGauge(name: "adgen_batches", labels: [("state", state)], help: "Batches by state").set(
                Double(count))
        }
        for (state, count) in service.jobs {
            registry.makeGauge(
                name: "adgen_jobs", labels: [("state", state)], help: "Generations of unfinished batches by state"
            ).set(Double(count))
        }
        registry.makeGauge(name: "adgen_workers_busy", help: "Batches running in this process").set(
            Double(service.workersBusy))
        registry.makeGauge(name: "adgen_event_streams_open", help: "Server-sent event streams open").set(
            Double(service.eventStreams))
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return buffer
    }
}

/// What a scrape reads of the store and the process.
struct BatchServiceSnapshot: Sendable {
    var batches: [String: Int] = [:]
    var jobs: [String: Int] = [:]
    var workersBusy = 0
    var eventStreams = 0
}
