import ArgumentParser
import Foundation
import NimbusClient

/// `nimbus invoke SERVICE/FUNCTION`: one call, its answer on stdout and its log tail on stderr.
struct Invoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Invoke a function and print its result.",
        discussion: """
            Examples:
              nimbus invoke demo/hello --payload '{"name": "x"}'
              nimbus invoke demo/hello --file event.json
              echo hi | nimbus invoke demo/hello --file -
              nimbus invoke demo/hello --qualifier prod --async
              nimbus invoke hello                  (an FC 3.0 function: a name without a service)
            """)

    @Argument(help: "The function: SERVICE/FUNCTION (FC 2.0), or NAME (FC 3.0).")
    var function: String

    @Option(help: "The event, as text.")
    var payload: String?

    @Option(help: "Read the event from this file ('-' for stdin).")
    var file: String?

    @Option(help: "A version or alias (default LATEST).")
    var qualifier: String?

    @Flag(help: "Queue the call (202) instead of waiting for it.")
    var async = false

    @Flag(help: "Do not print the log tail.")
    var quiet = false

    @OptionGroup var connection: Connection

    func run() async throws {
        var event = Data(payload?.utf8 ?? "".utf8)
        if let file {
            event =
                file == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
        }
        var headers = [("x-fc-log-type", "Tail")]
        if async { headers = [("x-fc-invocation-type", "Async")] }
        let reply: FCClient.Reply
        if function.contains("/") {
            let parts = try Listing.serviceAndFunction(function)
            let service = parts[0] + (qualifier.map { ".\($0)" } ?? "")
            reply = try await connection.client().send(
                "POST", "/2016-08-15/services/\(service)/functions/\(parts[1])/invocations", body: event,
                headers: headers)
        } else {
            reply = try await connection.client().send(
                "POST", "/2023-03-30/functions/\(function)/invocations",
                query: qualifier.map { "qualifier=\($0)" }, body: event, headers: headers)
        }
        if async {
            guard reply.status == 202 else { throw ValidationError(String(decoding: reply.body, as: UTF8.self)) }
            print("queued: request \(reply.headers["x-fc-request-id"] ?? "-")")
            return
        }
        guard reply.status == 200 else { throw ValidationError(String(decoding: reply.body, as: UTF8.self)) }
        FileHandle.standardOutput.write(reply.body)
        if !reply.body.isEmpty, reply.body.last != UInt8(ascii: "\n") { print() }
        if !quiet, let tail = reply.headers["x-fc-log-result"], let decoded = Data(base64Encoded: tail) {
            FileHandle.standardError.write(decoded)
        }
        let version = reply.headers["x-fc-invocation-service-version"] ?? "-"
        let cost = reply.headers["x-nimbus-cost"] ?? ""
        FileHandle.standardError.write(
            Data("request \(reply.headers["x-fc-request-id"] ?? "-"), version \(version); \(cost)\n".utf8))
        if let error = reply.headers["x-fc-error-type"] {
            FileHandle.standardError.write(Data("function error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
