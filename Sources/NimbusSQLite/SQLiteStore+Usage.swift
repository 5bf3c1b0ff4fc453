import Foundation
import GRDB
import NimbusCore

extension SQLiteStore: UsageStore {
    package func record(_ records: [InvocationRecord], rollups: [UsageKey: UsageRollup]) async throws(NimbusError) {
        try await write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO invocation_records (request_id, service_name, function_name, qualifier, version_id,
                    trigger_kind, start_time, duration_ms, memory_limit_mb, memory_used_mb, vcpu, cold_start_ms,
                    instance_id, outcome, http_status, request_bytes, response_bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in records {
                try insert.execute(arguments: [
                    r.requestId, r.service, r.function, r.qualifier, r.versionId, r.trigger.rawValue,
                    r.start.timeIntervalSince1970, r.duration * 1000, r.memoryLimitMB, r.memoryUsedMB, r.vcpu,
                    r.coldStart.map { $0 * 1000 }, r.instanceId, r.outcome.rawValue, r.httpStatus, r.requestBytes,
                    r.responseBytes,
                ])
            }
            for (key, rollup) in rollups {
                var merged = rollup
                if let existing = try String.fetchOne(
                    db,
                    sql: """
                        SELECT rollup FROM usage_minutes
                        WHERE minute = ? AND service_name = ? AND function_name = ? AND qualifier = ?
                        """, arguments: [key.minute, key.service, key.function, key.qualifier])
                {
                    var stored = try Self.decode(UsageRollup.self, existing)
                    stored.merge(rollup)
                    merged = stored
                }
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO usage_minutes (minute, service_name, function_name, qualifier, rollup)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [key.minute, key.service, key.function, key.qualifier, try Self.encode(merged)])
            }
        }
    }

    package func rollups(_ filter: UsageFilter) async throws(NimbusError) -> [UsageKey: UsageRollup] {
        try await read { db in
            var sql = "SELECT * FROM usage_minutes WHERE minute >= ? AND minute <= ?"
            var arguments: StatementArguments = [
                Int((filter.since.timeIntervalSince1970 / 60).rounded(.down)),
                Int((filter.until.timeIntervalSince1970 / 60).rounded(.down)),
            ]
            for (column, value) in [
                ("service_name", filter.service), ("function_name", filter.function), ("qualifier", filter.qualifier),
            ] {
                guard let value else { continue }
                sql += " AND \(column) = ?"
                arguments += [value]
            }
            var result: [UsageKey: UsageRollup] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let key = UsageKey(
                    minute: row["minute"], service: row["service_name"], function: row["function_name"],
                    qualifier: row["qualifier"])
                result[key] = try Self.decode(UsageRollup.self, row["rollup"])
            }
            return result
        }
    }

    package func recentInvocations(service: String, function: String, limit: Int) async throws(NimbusError)
        -> [InvocationRecord]
    {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM invocation_records WHERE service_name = ? AND function_name = ?
                    ORDER BY seq DESC LIMIT ?
                    """, arguments: [service, function, limit]
            ).map(Self.invocation)
        }
    }

    package func versionUsage(service: String, function: String, since: Date) async throws(NimbusError)
        -> [VersionUsage]
    {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT version_id, count(*) AS calls, sum(outcome != 'success') AS errors,
                    avg(duration_ms) AS average FROM invocation_records
                    WHERE service_name = ? AND function_name = ? AND start_time >= ?
                    GROUP BY version_id ORDER BY version_id
                    """, arguments: [service, function, since.timeIntervalSince1970]
            ).map { row in
                VersionUsage(
                    versionId: row["version_id"], invocations: row["calls"], errors: row["errors"],
                    averageDurationMs: row["average"])
            }
        }
    }

    package func pruneUsage(rawBefore: Date, rawKeep: Int, minutesBefore: Date) async throws(NimbusError) -> Int {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM invocation_records WHERE start_time < ?", arguments: [rawBefore.timeIntervalSince1970]
            )
            var removed = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM invocation_records WHERE seq <= (SELECT seq FROM invocation_records
                    ORDER BY seq DESC LIMIT 1 OFFSET ?)
                    """, arguments: [rawKeep])
            removed += db.changesCount
            try db.execute(
                sql: "DELETE FROM usage_minutes WHERE minute < ?",
                arguments: [Int((minutesBefore.timeIntervalSince1970 / 60).rounded(.down))])
            return removed + db.changesCount
        }
    }

    static func invocation(_ row: Row) -> InvocationRecord {
        InvocationRecord(
            requestId: row["request_id"], service: row["service_name"], function: row["function_name"],
            qualifier: row["qualifier"], versionId: row["version_id"],
            trigger: InvocationRecord.Trigger(rawValue: row["trigger_kind"]) ?? .sync,
            start: Date(timeIntervalSince1970: row["start_time"]), duration: (row["duration_ms"] as Double) / 1000,
            memoryLimitMB: row["memory_limit_mb"], memoryUsedMB: row["memory_used_mb"], vcpu: row["vcpu"],
            coldStart: (row["cold_start_ms"] as Double?).map { $0 / 1000 }, instanceId: row["instance_id"],
            outcome: InvocationRecord.Outcome(rawValue: row["outcome"]) ?? .unhandledError,
            httpStatus: row["http_status"], requestBytes: row["request_bytes"], responseBytes: row["response_bytes"])
    }
}
