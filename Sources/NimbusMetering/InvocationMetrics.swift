import CoreMetrics
import Foundation
import NimbusCore
import Synchronization

/// Per-invocation Prometheus series (bounded labels: deployed services, functions and qualifiers; fixed
/// outcomes).
struct InvocationMetrics: Sendable {
    let factory: any MetricsFactory
    let dropped: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        dropped = Counter(label: "nimbus_invocation_records_dropped_total", factory: factory)
    }

    func observe(_ record: InvocationRecord, usage: Usage) {
        let function = [("service", record.service), ("function", record.function)]
        Counter(
            label: "nimbus_invocations_total",
            dimensions: function + [("qualifier", record.qualifier), ("outcome", record.outcome.rawValue)],
            factory: factory
        ).increment()
        if record.outcome == .throttled {
            Counter(label: "nimbus_throttles_total", dimensions: function, factory: factory).increment()
            return
        }
        CoreMetrics.Timer(label: "nimbus_invocation_duration_seconds", dimensions: function, factory: factory)
            .recordSeconds(record.duration)
        if let cold = record.coldStart {
            Counter(label: "nimbus_cold_starts_total", dimensions: function, factory: factory).increment()
            CoreMetrics.Timer(label: "nimbus_cold_start_seconds", dimensions: function, factory: factory)
                .recordSeconds(cold)
        }
        FloatingPointCounter(label: "nimbus_memory_gb_seconds_total", dimensions: function, factory: factory)
            .increment(by: usage.gbSeconds)
        FloatingPointCounter(label: "nimbus_compute_units_total", dimensions: function, factory: factory)
            .increment(by: usage.computeUnits)
    }
}

/// Sets `nimbus_instances{service,function,state}` from the supervisor's view at scrape time.
/// Series seen before and now absent are set to 0, so a function scaled to zero reads 0, not its last count.
package final class InstanceGauges: Sendable {
    let factory: any MetricsFactory
    let seen = Mutex<Set<[String]>>([])

    package init(factory: any MetricsFactory) { self.factory = factory }

    package func record(_ counts: [(service: String, function: String, state: String, count: Int)]) {
        var current: [[String]: Int] = [:]
        for entry in counts { current[[entry.service, entry.function, entry.state], default: 0] += entry.count }
        let stale = seen.withLock { seen in
            defer { seen.formUnion(current.keys) }
            return seen.subtracting(current.keys)
        }
        for key in stale { current[key] = 0 }
        for (key, count) in current {
            Gauge(
                label: "nimbus_instances", dimensions: [("service", key[0]), ("function", key[1]), ("state", key[2])],
                factory: factory
            ).record(count)
        }
    }
}
