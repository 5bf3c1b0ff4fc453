import ArgumentParser
import Foundation
import NimbusClient
import NimbusCore

/// `nimbus services`: the account's services, one a line.
struct Services: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List services.", discussion: "Example:\n  nimbus services")

    @OptionGroup var connection: Connection

    func run() async throws {
        let items = try await Listing.all(connection.client(), "/2016-08-15/services", key: "services")
        Listing.table(
            ["SERVICE", "DESCRIPTION", "MODIFIED"],
            items.map {
                [
                    $0.field("serviceName")?.stringValue ?? "", $0.field("description")?.stringValue ?? "",
                    $0.field("lastModifiedTime")?.stringValue ?? "",
                ]
            }, empty: "(no services)")
    }
}

/// `nimbus functions SERVICE`: a service's functions.
struct Functions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a service's functions.", discussion: "Example:\n  nimbus functions catalog")

    @Argument(help: "The service.")
    var service: String

    @OptionGroup var connection: Connection

    func run() async throws {
        let items = try await Listing.all(
            connection.client(), "/2016-08-15/services/\(service)/functions", key: "functions")
        Listing.table(
            ["FUNCTION", "RUNTIME", "MEMORY", "TIMEOUT", "CODE"],
            items.map {
                [
                    $0.field("functionName")?.stringValue ?? "", $0.field("runtime")?.stringValue ?? "",
                    Listing.number($0.field("memorySize")) + " MB", Listing.number($0.field("timeout")) + " s",
                    Listing.number($0.field("codeSize")) + " B",
                ]
            }, empty: "(no functions)")
    }
}

/// `nimbus triggers SERVICE/FUNCTION`: a function's triggers.
struct Triggers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a function's triggers.", discussion: "Example:\n  nimbus triggers catalog/get-item")

    @Argument(help: "The function, as SERVICE/FUNCTION.")
    var function: String

    @OptionGroup var connection: Connection

    func run() async throws {
        let parts = try Listing.serviceAndFunction(function)
        let items = try await Listing.all(
            connection.client(), "/2016-08-15/services/\(parts[0])/functions/\(parts[1])/triggers", key: "triggers")
        Listing.table(
            ["TRIGGER", "TYPE", "CONFIG"],
            items.map {
                let config =
                    (try? FCJSON.makeEncoder().encode($0.field("triggerConfig") ?? .null))
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
                return [$0.field("triggerName")?.stringValue ?? "", $0.field("triggerType")?.stringValue ?? "", config]
            }, empty: "(no triggers)")
    }
}

/// `nimbus remove SERVICE[/FUNCTION]`: deletes a function with its triggers, or a whole service.
struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a function (and its triggers) or a service (and all its functions).",
        discussion: "Examples:\n  nimbus remove catalog/stats --yes\n  nimbus remove catalog --yes")

    @Argument(help: "SERVICE or SERVICE/FUNCTION.")
    var target: String

    @Flag(help: "Do it; without this flag the command only says what it would delete.")
    var yes = false

    @OptionGroup var connection: Connection

    func run() async throws {
        let client = try connection.client()
        let parts = target.split(separator: "/").map(String.init)
        guard (1...2).contains(parts.count) else { throw ValidationError("give SERVICE or SERVICE/FUNCTION") }
        let functions =
            parts.count == 2
            ? [parts[1]]
            : try await Listing.all(client, "/2016-08-15/services/\(parts[0])/functions", key: "functions")
                .compactMap { $0.field("functionName")?.stringValue }
        for function in functions {
            let base = "/2016-08-15/services/\(parts[0])/functions/\(function)"
            for trigger in try await Listing.all(client, base + "/triggers", key: "triggers") {
                let name = trigger.field("triggerName")?.stringValue ?? ""
                try await Listing.delete(
                    client, base + "/triggers/\(name)", yes: yes, what: "trigger \(parts[0])/\(function)/\(name)")
            }
            try await Listing.delete(client, base, yes: yes, what: "function \(parts[0])/\(function)")
        }
        if parts.count == 1 {
            try await Listing.delete(client, "/2016-08-15/services/\(parts[0])", yes: yes, what: "service \(parts[0])")
        }
        if !yes { print("(nothing deleted: add --yes)") }
    }
}

enum Listing {
    /// `SERVICE/FUNCTION`, as the commands name a function: the two names.
    static func serviceAndFunction(_ text: String) throws -> [String] {
        let parts = text.split(separator: "/").map(String.init)
        guard parts.count == 2 else { throw ValidationError("give the function as SERVICE/FUNCTION") }
        return parts
    }

    /// Every page of a listing.
    static func all(_ client: FCClient, _ path: String, key: String) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var token: String?
        repeat {
            let reply = try await client.send(
                "GET", path, query: "limit=100" + (token.map { "&nextToken=\($0)" } ?? ""))
            guard reply.status == 200 else { throw ValidationError(String(decoding: reply.body, as: UTF8.self)) }
            let body = try JSONDecoder().decode(JSONValue.self, from: reply.body)
            items += body.field(key)?.arrayValue ?? []
            token = body.field("nextToken")?.stringValue
        } while token?.isEmpty == false
        return items
    }

    static func delete(_ client: FCClient, _ path: String, yes: Bool, what: String) async throws {
        guard yes else {
            print("would delete \(what)")
            return
        }
        let reply = try await client.send("DELETE", path)
        guard reply.status == 204 || reply.status == 200 else {
            throw ValidationError("deleting \(what): " + String(decoding: reply.body, as: UTF8.self))
        }
        print("deleted \(what)")
    }

    static func number(_ value: JSONValue?) -> String {
        if case .number(let number)? = value { return number.description }
        return "-"
    }

    static func table(_ header: [String], _ rows: [[String]], empty: String) {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }
        print(line(header))
        for row in rows { print(line(row)) }
        if rows.isEmpty { print(empty) }
    }
}
