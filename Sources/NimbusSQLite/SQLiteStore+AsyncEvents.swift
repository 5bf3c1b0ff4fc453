import Foundation
import GRDB
import NimbusCore

extension SQLiteStore: AsyncEventStore {
    package func enqueue(_ events: [AsyncEvent]) async throws(NimbusError) {
        try await write { db in
            for event in events { try Self.insert(db, event) }
        }
    }

    package func claim(now: Date, limit: Int) async throws(NimbusError) -> [AsyncEvent] {
        try await write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM async_events WHERE status = 'Enqueued' AND next_attempt_time <= ?
                    ORDER BY next_attempt_time, seq LIMIT ?
                    """, arguments: [now.timeIntervalSince1970, limit])
            return try rows.map { row in
                var event = try Self.event(row)
                event.status = .running
                event.attempts += 1
                event.startedTime = event.startedTime ?? now
                event.record(.init(status: "Running", time: now, detail: "attempt \(event.attempts)"))
                try Self.update(db, event, onlyIf: .enqueued)
                return event
            }
        }
    }

    @discardableResult
    package func settle(_ event: AsyncEvent, follow: AsyncEvent?) async throws(NimbusError) -> Bool {
        try await write { db in
            guard try Self.update(db, event, onlyIf: .running) else { return false }
            if let follow { try Self.insert(db, follow) }
            if event.source == .destination, event.status.isFinal, let parent = event.parent {
                try db.execute(
                    sql: """
                        UPDATE async_events SET destination_status = ?
                        WHERE service_name = ? AND function_name = ? AND invocation_id = ?
                        """,
                    arguments: [
                        event.status == .succeeded ? "Succeeded" : "Failed", parent.serviceName, parent.functionName,
                        parent.invocationId,
                    ])
            }
            return true
        }
    }

    package func requeueInterrupted(now: Date) async throws(NimbusError) -> Int {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM async_events WHERE status = 'Running'")
            for row in rows {
                let running = try Self.event(row)
                let transition = AsyncAttempts.finish(running, .interrupted, policy: AsyncInvokePolicy(), now: now)
                try Self.update(db, transition.event, onlyIf: .running)
            }
            return rows.count
        }
    }

    package func event(invocationId: String, function: QualifiedFunction) async throws(NimbusError) -> AsyncEvent? {
        try await read { db in
            try Self.eventRow(db, invocationId, function).map(Self.event)
        }
    }

    package func listEvents(_ filter: AsyncEventFilter, limit: Int, nextToken: String?) async throws(NimbusError)
        -> Page<AsyncEvent>
    {
        try await read { db in
            var sql = "SELECT * FROM async_events WHERE service_name = ? AND function_name = ?"
            var arguments: StatementArguments = [filter.function.serviceName, filter.function.functionName]
            if filter.statefulOnly { sql += " AND stateful = 1" }
            if let status = filter.status {
                sql += " AND status = ?"
                arguments += [status.rawValue]
            }
            if let after = filter.startedAfter {
                sql += " AND started_time >= ?"
                arguments += [after.timeIntervalSince1970]
            }
            if let before = filter.startedBefore {
                sql += " AND started_time <= ?"
                arguments += [before.timeIntervalSince1970]
            }
            if let prefix = filter.invocationIdPrefix {
                sql += " AND substr(invocation_id, 1, ?) = ?"
                arguments += [prefix.utf8.count, prefix]
            }
            if let token = nextToken.flatMap(Int64.init) {
                sql += filter.newestFirst ? " AND seq <= ?" : " AND seq >= ?"
                arguments += [token]
            }
            sql += " ORDER BY seq \(filter.newestFirst ? "DESC" : "ASC") LIMIT ?"
            arguments += [limit + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let events = try rows.prefix(limit).map(Self.event)
            let token: String? = rows.count > limit ? String(rows[limit]["seq"] as Int64) : nil
            return Page(items: events, nextToken: token)
        }
    }

    package func stop(invocationId: String, function: QualifiedFunction, now: Date) async throws(NimbusError)
        -> AsyncEvent?
    {
        try await write { db in
            guard let row = try Self.eventRow(db, invocationId, function) else { return nil }
            var event = try Self.event(row)
            guard !event.status.isFinal else { return event }
            let previous = event.status
            event.status = .stopped
            event.endTime = now
            event.record(.init(status: "Stopped", time: now, detail: "stopped by request"))
            try Self.update(db, event, onlyIf: previous)
            return event
        }
    }

    static func eventRow(_ db: Database, _ invocationId: String, _ function: QualifiedFunction) throws -> Row? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM async_events WHERE service_name = ? AND function_name = ? AND invocation_id = ?",
            arguments: [function.serviceName, function.functionName, invocationId])
    }

    package func queueStatistics(now: Date, function: QualifiedFunction?) async throws(NimbusError)
        -> AsyncQueueStatistics
    {
        try await read { db in
            var statistics = AsyncQueueStatistics()
            var filter = ""
            var arguments: StatementArguments = []
            if let function {
                filter = "WHERE service_name = ? AND function_name = ?"
                arguments = [function.serviceName, function.functionName]
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT status, count(*) AS n, sum(max(attempts - 1, 0)) AS retries, sum(redeliveries) AS again,
                    min(enqueued_time) AS oldest FROM async_events \(filter) GROUP BY status
                    """, arguments: arguments)
            {
                guard let status = AsyncEvent.Status(rawValue: row["status"]) else { continue }
                let count: Int = row["n"]
                statistics.byStatus[status] = count
                statistics.retries += row["retries"] as Int? ?? 0
                statistics.redeliveries += row["again"] as Int? ?? 0
                if status == .enqueued, let oldest = row["oldest"] as Double? {
                    statistics.queued = count
                    statistics.oldestQueuedAge = max(0, now.timeIntervalSince1970 - oldest)
                }
                if status == .running { statistics.running = count }
            }
            return statistics
        }
    }

    package func pruneFinished(before: Date, keep: Int) async throws(NimbusError) -> Int {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM async_events WHERE end_time IS NOT NULL AND end_time < ?",
                arguments: [before.timeIntervalSince1970])
            var removed = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM async_events WHERE seq IN (SELECT seq FROM async_events WHERE end_time IS NOT NULL
                    ORDER BY seq DESC LIMIT -1 OFFSET ?)
                    """, arguments: [keep])
            removed += db.changesCount
            return removed
        }
    }
}
