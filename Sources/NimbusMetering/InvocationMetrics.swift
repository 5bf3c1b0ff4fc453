import CoreMetrics
import Foundation
import NimbusCore
import Synchronization

/// Per-invocation Prometheus series (bounded labels: deployed services, functions and qualifiers; fixed
/// outcomes). Handles are made once per series and kept, so a call costs a dictionary lookup, not a
/// registry lookup per metric.
final class InvocationMetrics: Sendable {
    let factory: any MetricsFactory
    let dropped: Counter
    private let handles = Mutex<[String: Handles]>([:])

    /// One function's series.
    final class Handles: Sendable {
        let outcomes: [InvocationRecord.Outcome: Counter]
        let throttles: Counter
        let duration: CoreMetrics.Timer
        let coldStarts: Counter
        let coldStartTime: CoreMetrics.Timer
        let gbSeconds: FloatingPointCounter
        let computeUnits: FloatingPointCounter

        init(_ record: InvocationRecord, factory: any MetricsFactory) {
            let function = [("service", record.service), ("function", record.function)]
            var outcomes: [InvocationRecord.Outcome: Counter] = [:]
            for outcome in InvocationRecord.Outcome.allCases {
                outcomes[outcome] = Counter(
                    label: "nimbus_invocations_total",
                    dimensions: function + [("qualifier", record.qualifier), ("outcome", outcome.rawValue)],
                    factory: factory)
            }
            self.outcomes = outcomes
            throttles = Counter(label: "nimbus_throttles_total", dimensions: function, factory: factory)
            duration = CoreMetrics.Timer(
                label: "nimbus_invocation_duration_seconds", dimensions: function, factory: factory)
            coldStarts = Counter(label: "nimbus_cold_starts_total", dimensions: function, factory: factory)
            coldStartTime = CoreMetrics.Timer(
                label: "nimbus_cold_start_seconds", dimensions: function, factory: factory)
            gbSeconds = FloatingPointCounter(
                label: "nimbus_memory_gb_seconds_total", dimensions: function, factory: factory)
            computeUnits = FloatingPointCounter(
                label: "nimbus_compute_units_total", dimensions: function, factory: factory)
        }
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
        dropped = Counter(label: "nimbus_invocation_records_dropped_total", factory: factory)
    }

    func observe(_ record: InvocationRecord, usage: Usage) {
        let key = record.service + "\u{0}" + record.function + "\u{0}" + record.qualifier
        let series =
            handles.withLock { $0[key] }
            ?? {
                let made = Handles(record, factory: factory)
                return handles.withLock { handles in
                    if let existing = handles[key] { return existing }
                    handles[key] = made
                    return made
                }
            }()
        series.outcomes[record.outcome]?.increment()
        if record.outcome == .throttled {
            series.throttles.increment()
            return
        }
        series.duration.recordSeconds(record.duration)
        if let cold = record.coldStart {
            series.coldStarts.increment()
            series.coldStartTime.recordSeconds(cold)
        }
        series.gbSeconds.increment(by: usage.gbSeconds)
        series.computeUnits.increment(by: usage.computeUnits)
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
