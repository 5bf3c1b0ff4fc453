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
    let counters = Mutex(AsyncCounters())
    /// Set once graceful shutdown begins: failures from then on are interruptions, not attempts.
    let stopping = Atomic<Bool>(false)
    /// Attempts in flight, so that stopping an event can cancel its attempt.
    let attempts = Mutex<[AsyncEventKey: Task<AttemptOutcome, Never>]>([:])

    package init(
        store: any AsyncEventStore, runner: any AsyncEventRunner, configuration: EventsConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.configuration = configuration
        self.logger = logger
    }

    /// Stores events durably (the caller may answer 202 once this returns) and wakes the dispatcher.
    package func accept(_ events: [AsyncEvent]) async throws(NimbusError) {
        try await store.enqueue(events)
        counters.withLock { $0.enqueued += events.count }
        wake.signal()
    }

    /// A timer enqueued its tick's event (in the same transaction as the tick): run it now.
    package func timerFired(skipped: Int) {
        counters.withLock {
            $0.timerTicks += 1
            $0.timerTicksSkipped += skipped
        }
        wake.signal()
    }

    /// FC's StopStatefulAsyncInvocation: a queued event never runs; a running one has its attempt cancelled
    /// (a call still waiting for an instance leaves the queue; one already on an instance ends with that instance).
    package func stop(_ key: AsyncEventKey, target: QualifiedFunction) async throws(NimbusError) -> AsyncEvent? {
        let stopped = try await store.stop(invocationId: key.invocationId, function: target, now: Date())
        if stopped?.status == .stopped { attempts.withLock { $0[key] }?.cancel() }
        return stopped
    }

    package var statistics: AsyncCounters { counters.withLock { $0 } }

    package func run() async throws {
        let recovered = try await store.requeueInterrupted(now: Date())
        if recovered > 0 {
            counters.withLock { $0.redelivered += recovered }
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
            let free = configuration.concurrency - counters.withLock { $0.inFlight }
            var claimed: [AsyncEvent] = []
            if free > 0 {
                do {
                    claimed = try await store.claim(now: Date(), limit: free)
                } catch {
                    logger.error("claiming async events failed", metadata: ["error": "\(error)"])
                }
            }
            for event in claimed {
                counters.withLock { $0.inFlight += 1 }
                group.addTask {
                    await self.process(event)
                    self.counters.withLock { $0.inFlight -= 1 }
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
        while counters.withLock({ $0.inFlight }) > 0, Date() < deadline {
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

/// What the dispatcher has done since this process started (for `/metrics`).
package struct AsyncCounters: Sendable, Equatable {
    package var enqueued = 0
    package var inFlight = 0
    package var attempts = 0
    package var succeeded = 0
    package var failed = 0
    package var expired = 0
    package var retried = 0
    package var throttled = 0
    package var redelivered = 0
    package var destinationsSent = 0
    package var timerTicks = 0
    package var timerTicksSkipped = 0

    package init() {}
}
