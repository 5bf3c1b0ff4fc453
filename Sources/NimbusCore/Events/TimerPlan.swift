import Foundation

/// When a timer trigger fires, given the last tick it fired for.
///
/// Ticks missed while Nimbus was down collapse into one firing for the most recent of them, as soon as
/// Nimbus is back; the ticks before it are skipped and counted. Ticks that fall due while Nimbus runs all
/// fire, oldest first, even when the scheduler wakes late. A tick is fired at most once: the store advances
/// the trigger's last tick in the same transaction that enqueues its event.
package enum TimerPlan {
    package struct Decision: Sendable, Equatable {
        /// The tick to fire now, if one is due.
        package var fire: Date?
        /// Due ticks older than `fire` that will not run.
        package var skipped: Int
        /// The next tick after `fire` (or after the anchor), for the scheduler's sleep.
        package var next: Date?
    }

    /// `anchor`: the last fired tick, or when the trigger was created or last changed if later.
    /// `runningSince`: when this Nimbus started; earlier ticks were missed while it was down.
    package static func decide(_ schedule: CronSchedule, anchor: Date, now: Date, runningSince: Date) -> Decision {
        guard let first = schedule.next(after: anchor) else { return Decision(fire: nil, skipped: 0, next: nil) }
        guard first <= now else { return Decision(fire: nil, skipped: 0, next: first) }
        guard first < runningSince else {
            return Decision(fire: first, skipped: 0, next: schedule.next(after: first))
        }
        // Down time: the latest tick before the restart (or before now) stands for all of them.
        let limit = min(now, runningSince)
        var tick = first
        var skipped = 0
        if case .interval(let seconds) = schedule.kind {
            let behind = Int((limit.timeIntervalSince(first) / seconds).rounded(.down))
            tick = first.addingTimeInterval(Double(behind) * seconds)
            skipped = behind
        } else {
            while let later = schedule.next(after: tick), later <= limit, skipped < 100_000 {
                tick = later
                skipped += 1
            }
        }
        return Decision(fire: tick, skipped: skipped, next: schedule.next(after: tick))
    }

    /// The event a timer sends: `{"triggerTime": "...Z", "triggerName": "...", "payload": "..."}`.
    package static func event(triggerName: String, tick: Date, payload: String) -> [UInt8] {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let body: JSONValue = .object([
            "triggerTime": .string(formatter.string(from: tick)), "triggerName": .string(triggerName),
            "payload": .string(payload),
        ])
        return Array((try? FCJSON.makeEncoder().encode(body)) ?? Data())
    }
}
