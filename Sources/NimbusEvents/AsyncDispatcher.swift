import CoreMetrics
import Foundation
import Logging
import NimbusCore
import ServiceLifecycle
import Synchronization

/// Runs the durable queue: claims due events, runs them through the ``AsyncEventRunner``, and writes each outcome
/// (retry, final state, destination record) back in one transaction.
///
/// At-least-once: an event is marked `Running` before it runs; if Nimbus dies meanwhile, the next start queues it
/// again (counted in `redeliveries`).
package final class AsyncDispatcher: Service, Sendable {
    let store: any AsyncEventStore
    let runner: any AsyncEventRunner
    let configuration: EventsConfiguration
    let logger: Logger
    let wake = WakeSignal()
    let metrics: AsyncMetrics
    /// Attempts running now (bounded by `configuration.concurrency`).
    let inFlight = Mutex(0)
    /// Set once graceful shutdown begins: failures from then on are interruptions, not attempts.
    let stopping = Atomic<Bool>(false)
    /// Attempts in flight, so that stopping an event can cancel its attempt.
    let attempts = Mutex<[AsyncEventKey: Task<AttemptOutcome, Never>]>([:])

    package init(
        store: any AsyncEventStore, runner: any AsyncEventRunner, configuration: EventsConfiguration,
        metrics: any MetricsFactory, logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.configuration = configuration
        self.metrics = AsyncMetrics(factory: metrics)
        self.logger = logger
    }

    /// Stores events durably (the caller may answer 202 once this returns) and wakes the dispatcher.
    package func accept(_ events: [AsyncEvent]) async throws(NimbusError) {
        try await store.enqueue(events)
        metrics.enqueued.increment(by: Int64(events.count))
        wake.signal()
    }

    /// A timer enqueued its tick's event (in the same transaction as the tick): run it now.
    package func timerFired(skipped: Int) {
        metrics.timerTicks.increment()
        metrics.timerTicksSkipped.increment(by: Int64(skipped))
        metrics.enqueued.increment()
        wake.signal()
    }

    /// FC's StopStatefulAsyncInvocation: a queued event never runs; a running one has its attempt cancelled
    /// (a call still waiting for an instance leaves the queue; one already on an instance ends with that instance).
    package func stop(_ key: AsyncEventKey, target: QualifiedFunction) async throws(NimbusError) -> AsyncEvent? {
        let stopped = try await store.stop(invocationId: key.invocationId, function: target, now: Date())
        if stopped?.status == .stopped { attempts.withLock { $0[key] }?.cancel() }
        return stopped
    }

    /// Sets the backlog gauges from the queue (called when metrics are scraped).
    package func refreshGauges() async {
        if let statistics = try? await store.queueStatistics(now: Date(), function: nil) { metrics.record(statistics) }
    }

    package func run() async throws {
        let recovered = try await store.requeueInterrupted(now: Date())
        if recovered > 0 {
            metrics.redelivered.increment(by: Int64(recovered))
            logger.notice(
                "async events interrupted by the last shutdown queued again", metadata: ["count": "\(recovered)"])
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                await dispatch(into: &group)
                await drain(&group)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.wake.signal()
        }
    }

    private func dispatch(into group: inout DiscardingTaskGroup) async {
        var lastPrune = Date.distantPast
        while !stopping.load(ordering: .relaxed) {
            let free = configuration.concurrency - inFlight.withLock { $0 }
            var claimed: [AsyncEvent] = []
            if free > 0 {
                do {
                    claimed = try await store.claim(now: Date(), limit: free)
                } catch {
                    logger.error("claiming async events failed", metadata: ["error": "\(error)"])
                }
            }
            for event in claimed {
                inFlight.withLock { $0 += 1 }
                group.addTask {
                    await self.process(event)
                    self.inFlight.withLock { $0 -= 1 }
                    self.wake.signal()
                }
            }
            if Date().timeIntervalSince(lastPrune) > 60 {
                lastPrune = Date()
                await prune()
            }
            // A full claim may leave more due events: look again at once.
            if claimed.isEmpty || claimed.count < free {
                await wake.wait(upTo: configuration.pollInterval)
            }
        }
    }

    /// Gives running events the drain timeout, then cancels them: they are written back as interrupted.
    private func drain(_ group: inout DiscardingTaskGroup) async {
        let deadline = Date().addingTimeInterval(configuration.drainTimeout)
        while inFlight.withLock({ $0 }) > 0, Date() < deadline {
            await wake.wait(upTo: 0.1)
        }
        group.cancelAll()
    }

    private func prune() async {
        let before = Date().addingTimeInterval(-configuration.retention)
        if let removed = try? await store.pruneFinished(before: before, keep: configuration.keepFinished), removed > 0 {
            logger.info("pruned finished async events", metadata: ["count": "\(removed)"])
        }
    }
}
