import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static let functionSelect = """
        SELECT f.*, s.name AS service_name FROM functions f JOIN services s ON s.id = f.service_id
        """

    static func function(_ row: Row) throws -> FunctionRecord {
        FunctionRecord(
            meta: meta(row), serviceName: row["service_name"], spec: try decode(FunctionSpec.self, row["spec"]),
            code: CodeInfo(size: row["code_size"], checksum: row["code_checksum"], digest: row["code_digest"]))
    }

    static func functionRow(_ db: Database, _ name: String, _ service: String) throws -> Row? {
        try Row.fetchOne(
            db, sql: functionSelect + " WHERE s.name = ? AND f.name = ?", arguments: [service, name])
    }

    static func existingFunction(_ db: Database, _ name: String, _ service: String) throws -> Row {
        _ = try serviceID(db, service)
        guard let row = try functionRow(db, name, service) else {
            throw NimbusError.functionNotFound(name, service: service)
        }
        return row
    }

    package func createFunction(_ function: FunctionRecord) async throws(NimbusError) {
        try await write { db in
            let serviceID = try Self.serviceID(db, function.serviceName)
            guard try Self.functionRow(db, function.name, function.serviceName) == nil else {
                throw NimbusError(
                    .functionAlreadyExists,
                    "function '\(function.name)' already exists in service '\(function.serviceName)'")
            }
            try db.execute(
                sql: """
                    INSERT INTO functions (id, service_id, name, spec, code_size, code_checksum, code_digest,
                        etag, created_time, modified_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    function.meta.id, serviceID, function.name, try Self.encode(function.spec), function.code.size,
                    function.code.checksum, function.code.digest, function.meta.etag,
                    function.meta.createdTime.timeIntervalSince1970,
                    function.meta.lastModifiedTime.timeIntervalSince1970,
                ])
        }
    }

    package func function(named name: String, service: String) async throws(NimbusError) -> FunctionRecord? {
        try await read { db in try Self.functionRow(db, name, service).map(Self.function) }
    }

    package func updateFunction(_ function: FunctionRecord, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            let row = try Self.existingFunction(db, function.name, function.serviceName)
            try Self.check(ifMatch, against: row["etag"])
            try db.execute(
                sql: """
                    UPDATE functions SET spec = ?, code_size = ?, code_checksum = ?, code_digest = ?, etag = ?,
                        modified_time = ? WHERE id = ?
                    """,
                arguments: [
                    try Self.encode(function.spec), function.code.size, function.code.checksum, function.code.digest,
                    function.meta.etag, function.meta.lastModifiedTime.timeIntervalSince1970, row["id"] as String,
                ])
        }
    }

    package func deleteFunction(named name: String, service: String, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            let row = try Self.existingFunction(db, name, service)
            try Self.check(ifMatch, against: row["etag"])
            let id: String = row["id"]
            let triggers = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM triggers WHERE function_id = ?", arguments: [id])
            guard triggers == 0 else { throw NimbusError(.functionNotEmpty, "function '\(name)' has active triggers") }
            try db.execute(sql: "DELETE FROM functions WHERE id = ?", arguments: [id])
        }
    }

    package func listFunctions(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<FunctionRecord> {
        try await read { db in
            _ = try Self.serviceID(db, service)
            let (sql, arguments) = Self.paged(
                Self.functionSelect + " WHERE s.name = ?", [service], column: "f.name", page)
            let items = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.function)
            return Self.page(items, page, name: \.name)
        }
    }
}
