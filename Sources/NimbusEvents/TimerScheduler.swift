import Foundation
import Logging
import NimbusCore
import ServiceLifecycle

/// Fires timer triggers: each due tick becomes an async event of the trigger's function, enqueued in the
/// same transaction that records the tick (so a tick fires once, across restarts too). See ``TimerPlan``.
package actor TimerScheduler: Service {
    let store: any AsyncEventStore
    let dispatcher: AsyncDispatcher
    /// The metadata's write generation; the trigger list is read again when it moves.
    let generation: @Sendable () -> UInt64
    let logger: Logger

    struct Timer {
        var trigger: TriggerRecord
        var schedule: CronSchedule?
        var lastTick: Date?
    }

    var timers: [String: Timer] = [:]
    /// Ticks due before this moment were missed while Nimbus was down (see ``TimerPlan``).
    let runningSince = Date()
    var loadedGeneration: UInt64?

    package init(
        store: any AsyncEventStore, dispatcher: AsyncDispatcher, generation: @escaping @Sendable () -> UInt64,
        logger: Logger
    ) {
        self.store = store
        self.dispatcher = dispatcher
        self.generation = generation
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully {
            let now = Date()
            await reloadIfChanged()
            var wakeAt = now.addingTimeInterval(1)
            for id in timers.keys.sorted() {
                if let next = await fireIfDue(id, now: now), next < wakeAt { wakeAt = next }
            }
            try? await gracefulShutdown(sleepingFor: max(0.001, wakeAt.timeIntervalSinceNow))
        }
    }

    private func gracefulShutdown(sleepingFor seconds: TimeInterval) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }

    private func reloadIfChanged() async {
        let current = generation()
        guard current != loadedGeneration else { return }
        guard let triggers = try? await store.timerTriggers() else { return }
        loadedGeneration = current
        var fresh: [String: Timer] = [:]
        for trigger in triggers {
            var timer = timers[trigger.meta.id] ?? Timer(trigger: trigger)
            if timer.trigger.meta.etag != trigger.meta.etag || timer.schedule == nil {
                let expression = trigger.spec.triggerConfig?.field("cronExpression")?.stringValue ?? ""
                timer.schedule = try? CronSchedule(parsing: expression)
            }
            timer.trigger = trigger
            if timers[trigger.meta.id] == nil {
                timer.lastTick = try? await store.lastTick(trigger: trigger.meta.id)
            }
            fresh[trigger.meta.id] = timer
        }
        timers = fresh
    }

    /// Fires the timer's due tick, if any; returns when it is next due.
    private func fireIfDue(_ id: String, now: Date) async -> Date? {
        guard let timer = timers[id], let schedule = timer.schedule else { return nil }
        let config = timer.trigger.spec.triggerConfig
        if config?.field("enable") == .bool(false) { return nil }
        let anchor = max(timer.lastTick ?? .distantPast, timer.trigger.meta.lastModifiedTime)
        let decision = TimerPlan.decide(schedule, anchor: anchor, now: now, runningSince: runningSince)
        guard let tick = decision.fire else { return decision.next }
        let trigger = timer.trigger
        let requestId = RequestID.make()
        let event = AsyncEvent(
            invocationId: "\(trigger.name)-\(Int(tick.timeIntervalSince1970))", requestId: requestId,
            target: QualifiedFunction(
                serviceName: trigger.serviceName, qualifier: trigger.spec.qualifier ?? "LATEST",
                functionName: trigger.functionName),
            source: .timer,
            payload: TimerPlan.event(
                triggerName: trigger.name, tick: tick, payload: config?.field("payload")?.stringValue ?? ""),
            stateful: false, enqueuedTime: now)
        do {
            if try await store.fire(trigger: id, tick: tick, event: event) {
                dispatcher.timerFired(skipped: decision.skipped)
                if decision.skipped > 0 {
                    logger.notice(
                        "timer missed ticks while Nimbus was not running; fired the latest once",
                        metadata: ["trigger.name": "\(trigger.name)", "skipped": "\(decision.skipped)"])
                }
            }
            timers[id]?.lastTick = tick
        } catch {
            logger.error("firing a timer failed", metadata: ["trigger.name": "\(trigger.name)", "error": "\(error)"])
        }
        return decision.next
    }
}
