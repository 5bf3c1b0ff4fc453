import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static let triggerSelect = """
        SELECT t.*, f.name AS function_name, s.name AS service_name FROM triggers t
        JOIN functions f ON f.id = t.function_id JOIN services s ON s.id = f.service_id
        """

    static func trigger(_ row: Row) throws -> TriggerRecord {
        TriggerRecord(
            meta: meta(row), serviceName: row["service_name"], functionName: row["function_name"],
            spec: try decode(TriggerSpec.self, row["spec"]))
    }

    static func existingTrigger(_ db: Database, _ name: String, _ function: String, _ service: String) throws -> Row {
        _ = try existingFunction(db, function, service)
        guard
            let row = try Row.fetchOne(
                db, sql: triggerSelect + " WHERE s.name = ? AND f.name = ? AND t.name = ?",
                arguments: [service, function, name])
        else { throw NimbusError.triggerNotFound(name, function: function, service: service) }
        return row
    }

    package func createTrigger(_ trigger: TriggerRecord) async throws(NimbusError) {
        try await write { db in
            let function = try Self.existingFunction(db, trigger.functionName, trigger.serviceName)
            let functionID: String = function["id"]
            let exists = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM triggers WHERE function_id = ? AND name = ?",
                arguments: [functionID, trigger.name])
            guard exists == nil else {
                throw NimbusError(
                    .triggerAlreadyExists,
                    "trigger '\(trigger.name)' already exists in service '\(trigger.serviceName)' "
                        + "and function '\(trigger.functionName)'")
            }
            try db.execute(
                sql: """
                    INSERT INTO triggers (id, function_id, name, spec, etag, created_time, modified_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    trigger.meta.id, functionID, trigger.name, try Self.encode(trigger.spec), trigger.meta.etag,
                    trigger.meta.createdTime.timeIntervalSince1970, trigger.meta.lastModifiedTime.timeIntervalSince1970,
                ])
        }
    }

    package func trigger(named name: String, function: String, service: String) async throws(NimbusError)
        -> TriggerRecord?
    {
        try await read { db in
            try Row.fetchOne(
                db, sql: Self.triggerSelect + " WHERE s.name = ? AND f.name = ? AND t.name = ?",
                arguments: [service, function, name]
            ).map(Self.trigger)
        }
    }

    package func updateTrigger(_ trigger: TriggerRecord, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            let row = try Self.existingTrigger(db, trigger.name, trigger.functionName, trigger.serviceName)
            try Self.check(ifMatch, against: row["etag"])
            try db.execute(
                sql: "UPDATE triggers SET spec = ?, etag = ?, modified_time = ? WHERE id = ?",
                arguments: [
                    try Self.encode(trigger.spec), trigger.meta.etag,
                    trigger.meta.lastModifiedTime.timeIntervalSince1970, row["id"] as String,
                ])
        }
    }

    package func deleteTrigger(named name: String, function: String, service: String, ifMatch: String?)
        async throws(NimbusError)
    {
        try await write { db in
            let row = try Self.existingTrigger(db, name, function, service)
            try Self.check(ifMatch, against: row["etag"])
            try db.execute(sql: "DELETE FROM triggers WHERE id = ?", arguments: [row["id"] as String])
        }
    }

    package func listTriggers(function: String, service: String, _ page: PageQuery) async throws(NimbusError)
        -> Page<TriggerRecord>
    {
        try await read { db in
            _ = try Self.existingFunction(db, function, service)
            let (sql, arguments) = Self.paged(
                Self.triggerSelect + " WHERE s.name = ? AND f.name = ?", [service, function], column: "t.name", page)
            let items = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.trigger)
            return Self.page(items, page, name: \.name)
        }
    }
}
