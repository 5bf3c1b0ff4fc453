import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    /// How a snapshot is kept: the records as they were, metadata included.
    struct SnapshotDocument: Codable {
        struct Service: Codable {
            var meta: ResourceMeta
            var spec: ServiceSpec
        }
        struct Function: Codable {
            var meta: ResourceMeta
            var spec: FunctionSpec
            var code: CodeInfo
        }
        var service: Service
        var functions: [Function]
    }

    static func snapshotJSON(_ snapshot: ServiceSnapshot) throws -> String {
        let document = SnapshotDocument(
            service: .init(meta: snapshot.service.meta, spec: snapshot.service.spec),
            functions: snapshot.functions.map { .init(meta: $0.meta, spec: $0.spec, code: $0.code) })
        return try encodeTimed(document)
    }

    static func version(_ row: Row, service: String) throws -> VersionRecord {
        let document = try decodeTimed(SnapshotDocument.self, row["snapshot"])
        let snapshot = ServiceSnapshot(
            service: ServiceRecord(meta: document.service.meta, spec: document.service.spec),
            functions: document.functions.map {
                FunctionRecord(meta: $0.meta, serviceName: service, spec: $0.spec, code: $0.code)
            })
        return VersionRecord(
            serviceName: service, versionId: row["version_id"], description: row["description"],
            createdTime: Date(timeIntervalSince1970: row["created_time"]), snapshot: snapshot)
    }

    package func publishVersion(service: String, description: String, at time: Date) async throws(NimbusError)
        -> VersionRecord
    {
        try await write { db in
            guard let serviceRow = try Self.serviceRow(db, service) else { throw NimbusError.serviceNotFound(service) }
            let serviceID: String = serviceRow["id"]
            let functions = try Row.fetchAll(
                db, sql: Self.functionSelect + " WHERE s.name = ? ORDER BY f.name", arguments: [service]
            ).map(Self.function)
            let snapshot = ServiceSnapshot(service: try Self.service(serviceRow), functions: functions)
            let latest = try Row.fetchOne(
                db,
                sql:
                    "SELECT version_id, fingerprint FROM versions WHERE service_id = ? ORDER BY version_id DESC LIMIT 1",
                arguments: [serviceID])
            if let latest, latest["fingerprint"] == snapshot.fingerprint {
                let id: Int = latest["version_id"]
                throw NimbusError.invalidArgument(
                    "nothing changed in service '\(service)' since version \(id); update it before publishing")
            }
            let last = try Int.fetchOne(
                db, sql: "SELECT last_version_id FROM version_counters WHERE service_id = ?", arguments: [serviceID])
            let id = (last ?? 0) + 1
            try db.execute(
                sql: "INSERT OR REPLACE INTO version_counters (service_id, last_version_id) VALUES (?, ?)",
                arguments: [serviceID, id])
            try db.execute(
                sql: """
                    INSERT INTO versions (service_id, version_id, description, fingerprint, snapshot, created_time)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    serviceID, id, description, snapshot.fingerprint, try Self.snapshotJSON(snapshot),
                    time.timeIntervalSince1970,
                ])
            return VersionRecord(
                serviceName: service, versionId: id, description: description, createdTime: time, snapshot: snapshot)
        }
    }

    package func version(_ id: Int, service: String) async throws(NimbusError) -> VersionRecord? {
        try await read { db in
            let serviceID = try Self.serviceID(db, service)
            return try Row.fetchOne(
                db, sql: "SELECT * FROM versions WHERE service_id = ? AND version_id = ?", arguments: [serviceID, id]
            ).map { try Self.version($0, service: service) }
        }
    }

    package func listVersions(service: String, _ page: PageQuery, forward: Bool) async throws(NimbusError)
        -> Page<VersionRecord>
    {
        try await read { db in
            let serviceID = try Self.serviceID(db, service)
            var sql = "SELECT * FROM versions WHERE service_id = ?"
            var arguments: StatementArguments = [serviceID]
            if let start = page.startName.flatMap(Int.init) {
                sql += forward ? " AND version_id >= ?" : " AND version_id <= ?"
                arguments += [start]
            }
            sql += " ORDER BY version_id \(forward ? "ASC" : "DESC") LIMIT ?"
            arguments += [page.limit + 1]
            let versions = try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                try Self.version($0, service: service)
            }
            return Self.page(versions, page) { String($0.versionId) }
        }
    }

    package func deleteVersion(_ id: Int, service: String) async throws(NimbusError) {
        try await write { db in
            let serviceID = try Self.serviceID(db, service)
            for alias in try Row.fetchAll(db, sql: "SELECT * FROM aliases WHERE service_id = ?", arguments: [serviceID])
            {
                let record = try Self.alias(alias, service: service)
                if record.versionIds.contains(String(id)) {
                    throw NimbusError.invalidArgument(
                        "version \(id) of service '\(service)' is used by alias '\(record.name)'; "
                            + "point the alias elsewhere first")
                }
            }
            try db.execute(
                sql: "DELETE FROM versions WHERE service_id = ? AND version_id = ?", arguments: [serviceID, id])
            guard db.changesCount > 0 else { throw NimbusError.versionNotFound(id, service: service) }
        }
    }
}
