import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    package func lastTick(trigger: String) async throws(NimbusError) -> Date? {
        try await read { db in
            try Double.fetchOne(db, sql: "SELECT last_tick FROM timer_ticks WHERE trigger_id = ?", arguments: [trigger])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    package func fire(trigger: String, tick: Date, event: AsyncEvent) async throws(NimbusError) -> Bool {
        try await write { db in
            let last = try Double.fetchOne(
                db, sql: "SELECT last_tick FROM timer_ticks WHERE trigger_id = ?", arguments: [trigger])
            if let last, last >= tick.timeIntervalSince1970 { return false }
            try db.execute(
                sql: "INSERT OR REPLACE INTO timer_ticks (trigger_id, last_tick) VALUES (?, ?)",
                arguments: [trigger, tick.timeIntervalSince1970])
            try Self.insert(db, event)
            return true
        }
    }

    package func timerTriggers() async throws(NimbusError) -> [TriggerRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: Self.triggerSelect + " WHERE json_extract(t.spec, '$.triggerType') = 'timer'"
            ).map(Self.trigger)
        }
    }
}
