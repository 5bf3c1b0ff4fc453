import ArgumentParser
import Foundation
import NimbusClient

/// `nimbus instances SERVICE/FUNCTION`: the function's live instances, one line each.
struct Instances: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a function's running instances.")

    @Argument(help: "The function, as SERVICE/FUNCTION.")
    var function: String

    @OptionGroup var connection: Connection

    func run() async throws {
        let parts = try Listing.serviceAndFunction(function)
        let reply = try await connection.client().send(
            "GET", "/2016-08-15/services/\(parts[0])/functions/\(parts[1])/instances")
        guard reply.status == 200 else { throw ValidationError(String(decoding: reply.body, as: UTF8.self)) }
        let list = try JSONDecoder().decode(List.self, from: reply.body).instances
        let formatter = ISO8601DateFormatter()
        let rows = list.map { instance in
            let age = instance.createdTime.flatMap(formatter.date(from:)).map { Self.age(Date().timeIntervalSince($0)) }
            return [
                instance.instanceId, instance.state ?? "-", age ?? "-", String(instance.callsServed ?? 0),
                String(instance.activeCalls ?? 0), String(format: "%.1f MB", instance.memoryMB ?? 0),
            ]
        }
        Listing.table(
            ["INSTANCE", "STATE", "AGE", "CALLS", "ACTIVE", "MEMORY"], rows,
            empty: "(no instances: the function is scaled to zero)")
    }

    struct List: Decodable {
        struct Instance: Decodable {
            var instanceId: String
            var state: String?
            var createdTime: String?
            var callsServed: Int?
            var activeCalls: Int?
            var memoryMB: Double?
        }
        var instances: [Instance]
    }

    static func age(_ seconds: TimeInterval) -> String {
        seconds < 120 ? "\(Int(seconds))s" : seconds < 7200 ? "\(Int(seconds / 60))m" : "\(Int(seconds / 3600))h"
    }
}
