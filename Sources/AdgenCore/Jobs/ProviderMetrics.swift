import Metrics

/// What the dispatcher records of a provider through swift-metrics (a server points it at Prometheus; elsewhere it
/// goes nowhere): request latency, generations by outcome, retries, the circuit breaker's state and what was paid.
struct ProviderMetrics: Sendable {
    let provider: String
    let retries: Counter
    let circuitOpen: Gauge
    let cost: FloatingPointCounter

    init(provider: String) {
        self.provider = provider
        let dimensions = [("provider", provider)]
        retries = Counter(label: "adgen_provider_retries_total", dimensions: dimensions)
        circuitOpen = Gauge(label: "adgen_provider_circuit_open", dimensions: dimensions)
        cost = FloatingPointCounter(label: "adgen_cost_usd_total", dimensions: dimensions)
    }

    static func requestTimer(_ provider: String) -> Metrics.Timer {
        Metrics.Timer(label: "adgen_provider_request_duration_seconds", dimensions: [("provider", provider)])
    }

    func record<C: Clock>(_ outcome: Dispatcher<C>.StateMachine.Outcome, circuitOpen open: Bool) {
        let name: String
        switch outcome {
        case .generated(let paid):
            name = "generated"
            cost.increment(by: paid)
        case .cached: name = "cached"
        case .failed: name = "failed"
        case .cancelled: name = "cancelled"
        }
        Counter(label: "adgen_generations_total", dimensions: [("provider", provider), ("outcome", name)]).increment()
        circuitOpen.record(open ? 1 : 0)
    }
}

extension Metrics.Timer {
    /// Records `duration`.
    func record(duration: Duration) {
        let parts = duration.components
        recordNanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}
