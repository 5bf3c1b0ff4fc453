import Foundation

/// The durable queue of async events and the timer triggers' fired ticks, kept in the metadata database.
///
/// Every method is one transaction. An event is accepted only once `enqueue` returns.
package protocol AsyncEventStore: Sendable {
    /// Stores new events; a duplicate invocation id for the same function is refused (`StatefulAsyncInvocationAlreadyExists`).
    func enqueue(_ events: [AsyncEvent]) async throws(NimbusError)
    /// Marks up to `limit` due events `Running` (attempts + 1) and returns them, oldest due first.
    func claim(now: Date, limit: Int) async throws(NimbusError) -> [AsyncEvent]
    /// Writes an attempt's result, unless the event was stopped meanwhile; then enqueues `follow` (a destination
    /// record) in the same transaction. Returns false if the event was no longer running.
    @discardableResult
    func settle(_ event: AsyncEvent, follow: AsyncEvent?) async throws(NimbusError) -> Bool
    /// After a crash: every `Running` event is queued again and counted as redelivered. Returns how many.
    func requeueInterrupted(now: Date) async throws(NimbusError) -> Int

    func event(invocationId: String, function: QualifiedFunction) async throws(NimbusError) -> AsyncEvent?
    func listEvents(_ filter: AsyncEventFilter, limit: Int, nextToken: String?) async throws(NimbusError)
        -> Page<AsyncEvent>
    /// Stops a queued or running event; returns it, or nil if it does not exist.
    func stop(invocationId: String, function: QualifiedFunction, now: Date) async throws(NimbusError) -> AsyncEvent?
    /// Queue depth, oldest queued event, and totals over the stored events; for one function when given.
    func queueStatistics(now: Date, function: QualifiedFunction?) async throws(NimbusError) -> AsyncQueueStatistics
    /// Deletes finished events older than `before`, and the oldest finished beyond `keep`. Returns how many.
    func pruneFinished(before: Date, keep: Int) async throws(NimbusError) -> Int

    /// The last tick a timer trigger fired for, if any.
    func lastTick(trigger: String) async throws(NimbusError) -> Date?
    /// Enqueues the tick's event and records the tick, only if it is later than the last one fired.
    func fire(trigger: String, tick: Date, event: AsyncEvent) async throws(NimbusError) -> Bool
    /// Every timer trigger, with its service and function (the scheduler's view of the metadata).
    func timerTriggers() async throws(NimbusError) -> [TriggerRecord]
}

/// Which events a stateful-invocation listing wants.
package struct AsyncEventFilter: Sendable, Equatable {
    package var function: QualifiedFunction
    package var status: AsyncEvent.Status?
    package var startedAfter: Date?
    package var startedBefore: Date?
    package var invocationIdPrefix: String?
    /// Newest first when true (FC's `sortOrderByTime=desc`).
    package var newestFirst: Bool
    package var statefulOnly: Bool

    package init(
        function: QualifiedFunction, status: AsyncEvent.Status? = nil, startedAfter: Date? = nil,
        startedBefore: Date? = nil, invocationIdPrefix: String? = nil, newestFirst: Bool = false,
        statefulOnly: Bool = true
    ) {
        self.function = function
        self.status = status
        self.startedAfter = startedAfter
        self.startedBefore = startedBefore
        self.invocationIdPrefix = invocationIdPrefix
        self.newestFirst = newestFirst
        self.statefulOnly = statefulOnly
    }
}

/// The queue's state for metrics: backlog now, and counters over the stored events.
package struct AsyncQueueStatistics: Sendable, Equatable {
    package var queued: Int
    package var running: Int
    package var oldestQueuedAge: TimeInterval
    package var byStatus: [AsyncEvent.Status: Int]
    package var retries: Int
    package var redeliveries: Int

    package init(
        queued: Int = 0, running: Int = 0, oldestQueuedAge: TimeInterval = 0, byStatus: [AsyncEvent.Status: Int] = [:],
        retries: Int = 0, redeliveries: Int = 0
    ) {
        self.queued = queued
        self.running = running
        self.oldestQueuedAge = oldestQueuedAge
        self.byStatus = byStatus
        self.retries = retries
        self.redeliveries = redeliveries
    }
}
