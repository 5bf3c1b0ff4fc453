import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static func insert(_ db: Database, _ event: AsyncEvent) throws {
        do {
            try db.execute(
                sql: """
                    INSERT INTO async_events (invocation_id, request_id, service_name, qualifier, function_name,
                    source, payload, stateful, status, attempts, redeliveries, enqueued_time, next_attempt_time,
                    parent, history) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.invocationId, event.requestId, event.target.serviceName, event.target.qualifier,
                    event.target.functionName, event.source.rawValue, Data(event.payload), event.stateful,
                    event.status.rawValue, event.attempts, event.redeliveries,
                    event.enqueuedTime.timeIntervalSince1970, event.nextAttemptTime.timeIntervalSince1970,
                    try event.parent.map(parentJSON), try historyJSON(event.history),
                ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw NimbusError(
                .asyncInvocationAlreadyExists,
                "async invocation '\(event.invocationId)' already exists for function '\(event.target.functionName)'")
        }
    }

    /// Writes an event's mutable fields if its stored status is still `expected`; false if it changed meanwhile.
    @discardableResult
    static func update(_ db: Database, _ event: AsyncEvent, onlyIf expected: AsyncEvent.Status) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE async_events SET status = ?, attempts = ?, redeliveries = ?, next_attempt_time = ?,
                started_time = ?, end_time = ?, instance_id = ?, duration_ms = ?, error_message = ?, result = ?,
                history = ? WHERE service_name = ? AND function_name = ? AND invocation_id = ? AND status = ?
                """,
            arguments: [
                event.status.rawValue, event.attempts, event.redeliveries, event.nextAttemptTime.timeIntervalSince1970,
                event.startedTime?.timeIntervalSince1970, event.endTime?.timeIntervalSince1970, event.instanceId,
                event.durationMs, event.errorMessage, event.result.map { Data($0) }, try historyJSON(event.history),
                event.target.serviceName, event.target.functionName, event.invocationId, expected.rawValue,
            ])
        return db.changesCount > 0
    }

    static func event(_ row: Row) throws -> AsyncEvent {
        var event = AsyncEvent(
            invocationId: row["invocation_id"], requestId: row["request_id"],
            target: QualifiedFunction(
                serviceName: row["service_name"], qualifier: row["qualifier"], functionName: row["function_name"]),
            source: AsyncEvent.Source(rawValue: row["source"]) ?? .invoke, payload: Array(row["payload"] as Data),
            stateful: row["stateful"], enqueuedTime: Date(timeIntervalSince1970: row["enqueued_time"]))
        event.status = AsyncEvent.Status(rawValue: row["status"]) ?? .failed
        event.attempts = row["attempts"]
        event.redeliveries = row["redeliveries"]
        event.nextAttemptTime = Date(timeIntervalSince1970: row["next_attempt_time"])
        event.startedTime = (row["started_time"] as Double?).map(Date.init(timeIntervalSince1970:))
        event.endTime = (row["end_time"] as Double?).map(Date.init(timeIntervalSince1970:))
        event.instanceId = row["instance_id"]
        event.durationMs = row["duration_ms"]
        event.errorMessage = row["error_message"]
        event.result = (row["result"] as Data?).map { Array($0) }
        event.destinationStatus = row["destination_status"]
        if let parent = row["parent"] as String? {
            let fields = try decode([String: String].self, parent)
            event.parent = AsyncEventKey(
                serviceName: fields["serviceName"] ?? "", functionName: fields["functionName"] ?? "",
                invocationId: fields["invocationId"] ?? "")
        }
        event.history = try decodeTimed([AsyncEvent.Step].self, row["history"])
        return event
    }

    static func historyJSON(_ history: [AsyncEvent.Step]) throws -> String {
        try encodeTimed(history)
    }

    static func parentJSON(_ key: AsyncEventKey) throws -> String {
        try encode([
            "serviceName": key.serviceName, "functionName": key.functionName, "invocationId": key.invocationId,
        ])
    }
}
