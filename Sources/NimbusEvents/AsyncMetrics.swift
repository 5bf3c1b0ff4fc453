import CoreMetrics
import Foundation
import NimbusCore

/// The async queue's and the timers' metrics (FC's async metrics: enqueued, dequeued, latency, backlog, expired),
/// through swift-metrics with the factory the server exports. Labels are bounded: status and outcome are fixed
/// sets, service and function are the deployed ones.
struct AsyncMetrics: Sendable {
    let factory: any MetricsFactory
    let enqueued: Counter
    let redelivered: Counter
    let timerTicks: Counter
    let timerTicksSkipped: Counter
    /// From when an event became due to when its attempt started.
    let queueWait: CoreMetrics.Timer
    let backlog: Gauge
    let running: Gauge
    let oldestAge: Gauge

    init(factory: any MetricsFactory) {
        self.factory = factory
        enqueued = Counter(label: "nimbus_async_enqueued_total", factory: factory)
        redelivered = Counter(label: "nimbus_async_redelivered_total", factory: factory)
        timerTicks = Counter(label: "nimbus_timer_ticks_total", factory: factory)
        timerTicksSkipped = Counter(label: "nimbus_timer_ticks_skipped_total", factory: factory)
        queueWait = CoreMetrics.Timer(label: "nimbus_async_queue_wait_seconds", factory: factory)
        backlog = Gauge(label: "nimbus_async_backlog", factory: factory)
        running = Gauge(label: "nimbus_async_running", factory: factory)
        oldestAge = Gauge(label: "nimbus_async_oldest_event_age_seconds", factory: factory)
    }

    /// `outcome`: succeeded, failed, retried, throttled, interrupted, expired, stopped.
    func attempt(_ outcome: String) {
        Counter(label: "nimbus_async_attempts_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// An event reached a final state; destination records count under `source="destination"`.
    func finished(_ event: AsyncEvent) {
        Counter(
            label: "nimbus_async_events_total",
            dimensions: [
                ("service", event.target.serviceName), ("function", event.target.functionName),
                ("status", event.status.rawValue), ("source", event.source.rawValue),
            ], factory: factory
        ).increment()
    }

    func destinationSent() {
        Counter(label: "nimbus_async_destinations_sent_total", factory: factory).increment()
    }

    func record(_ statistics: AsyncQueueStatistics) {
        backlog.record(statistics.queued)
        running.record(statistics.running)
        oldestAge.record(statistics.oldestQueuedAge)
    }
}
