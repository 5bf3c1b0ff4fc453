import Foundation
import GRDB
import NimbusCore

extension SQLiteStore {
    static func config(_ row: Row) throws -> FunctionConfigRecord {
        guard let kind = FunctionConfigRecord.Kind(rawValue: row["kind"]),
            case .object(let fields) = try decode(JSONValue.self, row["fields"])
        else { throw NimbusError(.internalServerError, "corrupt function config row") }
        return FunctionConfigRecord(
            kind: kind, serviceName: row["service_name"], qualifier: row["qualifier"],
            functionName: row["function_name"], fields: fields,
            createdTime: Date(timeIntervalSince1970: row["created_time"]),
            lastModifiedTime: Date(timeIntervalSince1970: row["modified_time"]))
    }

    package func putConfig(_ config: FunctionConfigRecord) async throws(NimbusError) {
        try await write { db in
            let function = try Self.existingFunction(db, config.functionName, config.serviceName)
            let target = QualifiedFunction(
                serviceName: config.serviceName, qualifier: config.qualifier, functionName: config.functionName)
            try db.execute(
                sql: """
                    INSERT INTO function_configs (kind, function_id, qualifier, path, service_name, function_name,
                        fields, created_time, modified_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (kind, function_id, qualifier) DO UPDATE SET
                        fields = excluded.fields, modified_time = excluded.modified_time
                    """,
                arguments: [
                    config.kind.rawValue, function["id"] as String, config.qualifier, target.resourcePath,
                    config.serviceName, config.functionName, try Self.encode(JSONValue.object(config.fields)),
                    config.createdTime.timeIntervalSince1970, config.lastModifiedTime.timeIntervalSince1970,
                ])
        }
    }

    package func config(_ kind: FunctionConfigRecord.Kind, for function: QualifiedFunction) async throws(NimbusError)
        -> FunctionConfigRecord?
    {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM function_configs WHERE kind = ? AND path = ?",
                arguments: [kind.rawValue, function.resourcePath]
            ).map(Self.config)
        }
    }

    package func deleteConfig(_ kind: FunctionConfigRecord.Kind, for function: QualifiedFunction)
        async throws(NimbusError) -> Bool
    {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM function_configs WHERE kind = ? AND path = ?",
                arguments: [kind.rawValue, function.resourcePath])
            return db.changesCount > 0
        }
    }

    package func listConfigs(_ kind: FunctionConfigRecord.Kind, filter: FunctionConfigFilter, _ page: PageQuery)
        async throws(NimbusError) -> Page<FunctionConfigRecord>
    {
        try await read { db in
            var sql = "SELECT * FROM function_configs WHERE kind = ?"
            var arguments: StatementArguments = [kind.rawValue]
            for (column, value) in [
                ("service_name", filter.serviceName), ("qualifier", filter.qualifier),
                ("function_name", filter.functionName),
            ] {
                if let value {
                    sql += " AND \(column) = ?"
                    arguments += [value]
                }
            }
            let (query, all) = Self.paged(sql, arguments, column: "path", page)
            let items = try Row.fetchAll(db, sql: query, arguments: all).map(Self.config)
            return Self.page(
                items, page,
                name: {
                    QualifiedFunction(
                        serviceName: $0.serviceName, qualifier: $0.qualifier, functionName: $0.functionName
                    ).resourcePath
                })
        }
    }
}
