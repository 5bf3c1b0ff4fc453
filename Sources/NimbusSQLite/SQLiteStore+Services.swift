import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static func service(_ row: Row) throws -> ServiceRecord {
        ServiceRecord(meta: meta(row), spec: try decode(ServiceSpec.self, row["spec"]))
    }

    static func serviceRow(_ db: Database, _ name: String) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT * FROM services WHERE name = ?", arguments: [name])
    }

    static func serviceID(_ db: Database, _ name: String) throws -> String {
        guard let row = try serviceRow(db, name) else { throw NimbusError.serviceNotFound(name) }
        return row["id"]
    }

    package func createService(_ service: ServiceRecord) async throws(NimbusError) {
        try await write { db in
            guard try Self.serviceRow(db, service.name) == nil else {
                throw NimbusError(.serviceAlreadyExists, "service '\(service.name)' already exists")
            }
            try db.execute(
                sql: """
                    INSERT INTO services (id, name, spec, etag, created_time, modified_time)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    service.meta.id, service.name, try Self.encode(service.spec), service.meta.etag,
                    service.meta.createdTime.timeIntervalSince1970, service.meta.lastModifiedTime.timeIntervalSince1970,
                ])
        }
    }

    package func service(named name: String) async throws(NimbusError) -> ServiceRecord? {
        try await read { db in try Self.serviceRow(db, name).map(Self.service) }
    }

    package func updateService(_ service: ServiceRecord, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            guard let row = try Self.serviceRow(db, service.name) else {
                throw NimbusError.serviceNotFound(service.name)
            }
            try Self.check(ifMatch, against: row["etag"])
            try db.execute(
                sql: "UPDATE services SET spec = ?, etag = ?, modified_time = ? WHERE id = ?",
                arguments: [
                    try Self.encode(service.spec), service.meta.etag,
                    service.meta.lastModifiedTime.timeIntervalSince1970, row["id"] as String,
                ])
        }
    }

    package func deleteService(named name: String, ifMatch: String?) async throws(NimbusError) {
        try await write { db in
            guard let row = try Self.serviceRow(db, name) else { throw NimbusError.serviceNotFound(name) }
            try Self.check(ifMatch, against: row["etag"])
            let id: String = row["id"]
            let functions = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM functions WHERE service_id = ?", arguments: [id])
            guard functions == 0 else {
                throw NimbusError(.serviceNotEmpty, "service '\(name)' has active 'functions'")
            }
            // As FC: a service's versions and aliases are deleted first, by the caller, never with it.
            for (table, what) in [("aliases", "aliases"), ("versions", "versions")] {
                let count = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM \(table) WHERE service_id = ?", arguments: [id])
                guard count == 0 else {
                    throw NimbusError(.serviceNotEmpty, "service '\(name)' has \(what): delete them first")
                }
            }
            try db.execute(sql: "DELETE FROM services WHERE id = ?", arguments: [id])
        }
    }

    package func listServices(_ page: PageQuery, tags: [String: String]) async throws(NimbusError)
        -> Page<ServiceRecord>
    {
        try await read { db in
            var sql = "SELECT * FROM services WHERE 1 = 1"
            var arguments: StatementArguments = []
            for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
                sql += " AND EXISTS (SELECT 1 FROM service_tags t WHERE t.service_id = services.id AND t.key = ?"
                arguments += [key]
                if !value.isEmpty {
                    sql += " AND t.value = ?"
                    arguments += [value]
                }
                sql += ")"
            }
            let (query, all) = Self.paged(sql, arguments, column: "name", page)
            let items = try Row.fetchAll(db, sql: query, arguments: all).map(Self.service)
            return Self.page(items, page, name: \.name)
        }
    }

    package func tags(ofService service: String) async throws(NimbusError) -> [String: String] {
        try await read { db in
            let id = try Self.serviceID(db, service)
            let rows = try Row.fetchAll(
                db, sql: "SELECT key, value FROM service_tags WHERE service_id = ?", arguments: [id])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] as String, $0["value"] as String) })
        }
    }

    package func setTags(_ tags: [String: String], ofService service: String) async throws(NimbusError) {
        try await write { db in
            let id = try Self.serviceID(db, service)
            try db.execute(sql: "DELETE FROM service_tags WHERE service_id = ?", arguments: [id])
            for (key, value) in tags {
                try db.execute(
                    sql: "INSERT INTO service_tags (service_id, key, value) VALUES (?, ?, ?)",
                    arguments: [id, key, value])
            }
        }
    }
}
