import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static func layerVersion(_ row: Row) throws -> LayerVersionRecord {
        LayerVersionRecord(
            layerName: row["layer_name"], version: row["version"], description: row["description"],
            compatibleRuntime: try decode([String].self, row["compatible_runtime"]),
            code: CodeInfo(size: row["code_size"], checksum: row["code_checksum"], digest: row["code_digest"]),
            createTime: Date(timeIntervalSince1970: row["created_time"]))
    }

    package func publishLayerVersion(
        layerName: String, description: String, compatibleRuntime: [String], code: CodeInfo, at time: Date
    ) async throws(NimbusError) -> LayerVersionRecord {
        try await write { db in
            let last = try Int.fetchOne(
                db, sql: "SELECT last_version FROM layer_counters WHERE layer_name = ?", arguments: [layerName])
            let record = LayerVersionRecord(
                layerName: layerName, version: (last ?? 0) + 1, description: description,
                compatibleRuntime: compatibleRuntime, code: code, createTime: time)
            try db.execute(
                sql: "INSERT OR REPLACE INTO layer_counters (layer_name, last_version) VALUES (?, ?)",
                arguments: [layerName, record.version])
            try db.execute(
                sql: """
                    INSERT INTO layer_versions (layer_name, version, description, compatible_runtime, code_size,
                        code_checksum, code_digest, created_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    layerName, record.version, description, try Self.encode(compatibleRuntime), code.size,
                    code.checksum, code.digest, time.timeIntervalSince1970,
                ])
            return record
        }
    }

    package func layerVersion(_ version: Int, layerName: String) async throws(NimbusError) -> LayerVersionRecord? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM layer_versions WHERE layer_name = ? AND version = ?",
                arguments: [layerName, version]
            ).map(Self.layerVersion)
        }
    }

    package func listLayerVersions(layerName: String, startVersion: Int, limit: Int) async throws(NimbusError)
        -> Page<LayerVersionRecord>
    {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM layer_versions WHERE layer_name = ? AND version >= ? ORDER BY version LIMIT ?",
                arguments: [layerName, startVersion, limit + 1])
            let versions = try rows.map(Self.layerVersion)
            return Self.page(versions, PageQuery(limit: limit)) { String($0.version) }
        }
    }

    package func listLayers(_ page: PageQuery) async throws(NimbusError) -> Page<LayerVersionRecord> {
        try await read { db in
            let (sql, arguments) = Self.paged(
                """
                SELECT * FROM layer_versions AS l
                WHERE version = (SELECT max(version) FROM layer_versions WHERE layer_name = l.layer_name)
                """, [], column: "layer_name", page)
            let layers = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.layerVersion)
            return Self.page(layers, page) { $0.layerName }
        }
    }

    package func deleteLayerVersion(_ version: Int, layerName: String, arn: String) async throws(NimbusError) {
        try await write { db in
            if let user = try Self.layerUser(db, arn: arn) {
                throw NimbusError(
                    .layerVersionInUse,
                    "layer version '\(arn)' is used by \(user); remove it from the function's layers first")
            }
            try db.execute(
                sql: "DELETE FROM layer_versions WHERE layer_name = ? AND version = ?", arguments: [layerName, version])
            guard db.changesCount > 0 else {
                throw NimbusError(.layerNotFound, "layer '\(layerName)' has no version \(version)")
            }
        }
    }

    /// The first function (at LATEST, then in a published version) whose `layers` name `arn`, for the message.
    static func layerUser(_ db: Database, arn: String) throws -> String? {
        if let row = try Row.fetchOne(
            db,
            sql: """
                SELECT s.name AS service, f.name AS function
                FROM functions AS f JOIN services AS s ON s.id = f.service_id, json_each(f.spec, '$.layers') AS l
                WHERE l.value = ? ORDER BY s.name, f.name LIMIT 1
                """, arguments: [arn])
        {
            let service: String = row["service"]
            let function: String = row["function"]
            return "function '\(function)' of service '\(service)'"
        }
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT s.name AS service, v.version_id AS version,
                        json_extract(fn.value, '$.meta.name') AS function
                    FROM versions AS v JOIN services AS s ON s.id = v.service_id,
                        json_each(v.snapshot, '$.functions') AS fn, json_each(fn.value, '$.spec.layers') AS l
                    WHERE l.value = ? ORDER BY s.name, v.version_id LIMIT 1
                    """, arguments: [arn])
        else { return nil }
        let service: String = row["service"]
        let version: Int = row["version"]
        let function: String = row["function"]
        return "function '\(function)' in version \(version) of service '\(service)'"
    }
}
