import Foundation
import GRDB
import NimbusCore

/// The embedded metadata store: one SQLite file in WAL mode, owned by one `DatabasePool`.
package struct SQLiteStore: MetadataStore {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    package init(path: String) throws {
        // SQLite gives the -wal and -shm files the database file's mode: 0600 keeps all three private.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        pool = try DatabasePool(path: path, configuration: configuration)
        try SQLiteSchema.migrator.migrate(pool)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(NimbusError) -> T {
        do { return try await pool.read(body) } catch { throw Self.mapped(error) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(NimbusError) -> T {
        do { return try await pool.write(body) } catch { throw Self.mapped(error) }
    }

    static func mapped(_ error: any Error) -> NimbusError {
        if let error = error as? NimbusError { return error }
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_CONSTRAINT {
            return NimbusError(.concurrentUpdate, "the write conflicts with a concurrent change; retry it")
        }
        return NimbusError(.internalServerError, "metadata store failure: \(error)")
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try FCJSON.makeEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// JSON whose dates are milliseconds since the epoch (event histories, version snapshots).
    static func encodeTimed(_ value: some Encodable) throws -> String {
        String(decoding: try timedEncoder.encode(value), as: UTF8.self)
    }

    static func decodeTimed<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try timedDecoder.decode(type, from: Data(text.utf8))
    }

    static let timedEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    static let timedDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func meta(_ row: Row) -> ResourceMeta {
        ResourceMeta(
            id: row["id"], name: row["name"],
            createdTime: Date(timeIntervalSince1970: row["created_time"]),
            lastModifiedTime: Date(timeIntervalSince1970: row["modified_time"]), etag: row["etag"])
    }

    /// Checks an `If-Match` against the stored ETag.
    static func check(_ ifMatch: String?, against etag: String?) throws {
        if let ifMatch, ifMatch != etag { throw NimbusError.preconditionFailed }
    }

    /// Adds FC paging (prefix, inclusive start, limit + 1 to see whether more remain) to a query.
    static func paged(
        _ sql: String, _ arguments: StatementArguments, column: String, _ page: PageQuery
    ) -> (String, StatementArguments) {
        var sql = sql
        var arguments = arguments
        if let prefix = page.prefix {
            sql += " AND substr(\(column), 1, ?) = ?"
            arguments += [prefix.utf8.count, prefix]
        }
        if let start = page.startName {
            sql += " AND \(column) >= ?"
            arguments += [start]
        }
        sql += " ORDER BY \(column) LIMIT ?"
        arguments += [page.limit + 1]
        return (sql, arguments)
    }

    static func page<T>(_ items: [T], _ page: PageQuery, name: (T) -> String) -> Page<T> {
        guard items.count > page.limit else { return Page(items: items, nextToken: nil) }
        return Page(items: Array(items.prefix(page.limit)), nextToken: name(items[page.limit]))
    }
}
