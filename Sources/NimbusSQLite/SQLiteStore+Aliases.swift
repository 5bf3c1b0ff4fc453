import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static func alias(_ row: Row, service: String) throws -> AliasRecord {
        let weights = try decode([String: Double].self, row["weights"])
        return AliasRecord(
            meta: meta(row), serviceName: service,
            spec: AliasSpec(
                versionId: String(row["version_id"] as Int), description: row["description"],
                additionalVersionWeight: weights))
    }

    static func aliasRow(_ db: Database, _ name: String, serviceID: String) throws -> Row? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM aliases WHERE service_id = ? AND name = ?", arguments: [serviceID, name])
    }

    /// Every version an alias names must exist when the alias is written.
    static func requireVersions(_ db: Database, _ alias: AliasRecord, serviceID: String) throws {
        for version in alias.versionIds.sorted() {
            let exists = try Int(version).flatMap {
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM versions WHERE service_id = ? AND version_id = ?",
                    arguments: [serviceID, $0])
            }
            guard exists != nil else { throw NimbusError.versionNotFound(version, service: alias.serviceName) }
        }
    }

    package func createAlias(_ alias: AliasRecord) async throws(NimbusError) {
        try await write { db in
            let serviceID = try Self.serviceID(db, alias.serviceName)
            guard try Self.aliasRow(db, alias.name, serviceID: serviceID) == nil else {
                throw NimbusError(
                    .aliasAlreadyExists, "alias '\(alias.name)' already exists in service '\(alias.serviceName)'")
            }
            try Self.requireVersions(db, alias, serviceID: serviceID)
            try db.execute(
                sql: """
                    INSERT INTO aliases (id, service_id, name, version_id, description, weights, etag, created_time,
                    modified_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alias.meta.id, serviceID, alias.name, Int(alias.spec.versionId), alias.spec.description,
                    try Self.encode(alias.spec.additionalVersionWeight), alias.meta.etag,
                    alias.meta.createdTime.timeIntervalSince1970, alias.meta.lastModifiedTime.timeIntervalSince1970,
                ])
        }
    }

    package func alias(named name: String, service: String) async throws(NimbusError) -> AliasRecord? {
        try await read { db in
            let serviceID = try Self.serviceID(db, service)
            return try Self.aliasRow(db, name, serviceID: serviceID).map { try Self.alias($0, service: service) }
        }
    }

    package func updateAlias(_ alias: AliasRecord, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            let serviceID = try Self.serviceID(db, alias.serviceName)
            guard let row = try Self.aliasRow(db, alias.name, serviceID: serviceID) else {
                throw NimbusError.aliasNotFound(alias.name, service: alias.serviceName)
            }
            try Self.check(ifMatch, against: row["etag"])
            try Self.requireVersions(db, alias, serviceID: serviceID)
            try db.execute(
                sql: """
                    UPDATE aliases SET version_id = ?, description = ?, weights = ?, etag = ?, modified_time = ?
                    WHERE id = ?
                    """,
                arguments: [
                    Int(alias.spec.versionId), alias.spec.description,
                    try Self.encode(alias.spec.additionalVersionWeight), alias.meta.etag,
                    alias.meta.lastModifiedTime.timeIntervalSince1970, row["id"] as String,
                ])
        }
    }

    package func deleteAlias(named name: String, service: String, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            let serviceID = try Self.serviceID(db, service)
            guard let row = try Self.aliasRow(db, name, serviceID: serviceID) else {
                throw NimbusError.aliasNotFound(name, service: service)
            }
            try Self.check(ifMatch, against: row["etag"])
            try db.execute(sql: "DELETE FROM aliases WHERE id = ?", arguments: [row["id"] as String])
        }
    }

    package func listAliases(service: String, _ page: PageQuery) async throws(NimbusError) -> Page<AliasRecord> {
        try await read { db in
            let serviceID = try Self.serviceID(db, service)
            let (sql, arguments) = Self.paged(
                "SELECT * FROM aliases WHERE service_id = ?", [serviceID], column: "name", page)
            let aliases = try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                try Self.alias($0, service: service)
            }
            return Self.page(aliases, page, name: \.name)
        }
    }
}
