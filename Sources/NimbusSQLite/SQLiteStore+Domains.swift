import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static func domain(_ row: Row) throws -> CustomDomainRecord {
        CustomDomainRecord(
            domainName: row["name"], spec: try decode(CustomDomainSpec.self, row["spec"]),
            createdTime: Date(timeIntervalSince1970: row["created_time"]),
            lastModifiedTime: Date(timeIntervalSince1970: row["modified_time"]))
    }

    static func domainNotFound(_ name: String) -> NimbusError {
        NimbusError(.domainNameNotFound, "custom domain '\(name)' does not exist")
    }

    package func createDomain(_ domain: CustomDomainRecord) async throws(NimbusError) {
        try await write { db in
            let exists = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM custom_domains WHERE name = ?", arguments: [domain.domainName])
            guard exists == nil else {
                throw NimbusError(.domainNameAlreadyExists, "custom domain '\(domain.domainName)' already exists")
            }
            try db.execute(
                sql: "INSERT INTO custom_domains (name, spec, created_time, modified_time) VALUES (?, ?, ?, ?)",
                arguments: [
                    domain.domainName, try Self.encode(domain.spec), domain.createdTime.timeIntervalSince1970,
                    domain.lastModifiedTime.timeIntervalSince1970,
                ])
        }
    }

    package func domain(named name: String) async throws(NimbusError) -> CustomDomainRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM custom_domains WHERE name = ?", arguments: [name]).map(Self.domain)
        }
    }

    package func updateDomain(_ domain: CustomDomainRecord) async throws(NimbusError) {
        try await write { db in
            try db.execute(
                sql: "UPDATE custom_domains SET spec = ?, modified_time = ? WHERE name = ?",
                arguments: [
                    try Self.encode(domain.spec), domain.lastModifiedTime.timeIntervalSince1970, domain.domainName,
                ])
            guard db.changesCount > 0 else { throw Self.domainNotFound(domain.domainName) }
        }
    }

    package func deleteDomain(named name: String) async throws(NimbusError) {
        try await write { db in
            try db.execute(sql: "DELETE FROM custom_domains WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw Self.domainNotFound(name) }
        }
    }

    package func listDomains(_ page: PageQuery) async throws(NimbusError) -> Page<CustomDomainRecord> {
        try await read { db in
            let (sql, arguments) = Self.paged("SELECT * FROM custom_domains WHERE 1 = 1", [], column: "name", page)
            return Self.page(try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.domain), page) {
                $0.domainName
            }
        }
    }
}
