import ArgumentParser
import Foundation
import NimbusClient
import NimbusCore
import NimbusServer

/// `nimbus logs SERVICE/FUNCTION`: prints a function's log lines, following new ones with `--tail`.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a function's logs.")

    @Argument(help: "The function, as SERVICE/FUNCTION.")
    var function: String

    @Flag(help: "Keep printing new lines as they arrive (Ctrl-C to stop).")
    var tail = false

    @Option(help: "Only lines newer than this: 30s, 10m, 2h or 1d.")
    var since: String?

    @Option(help: "Only the lines of this request.")
    var requestId: String?

    @OptionGroup var connection: Connection

    func run() async throws {
        let parts = try Listing.serviceAndFunction(function)
        let client = try connection.client()
        var cursor = try since.map(Self.parseAge).map { Date().addingTimeInterval(-$0) }
        repeat {
            var query = "limit=1000"
            if let cursor { query += "&since=\(Int(cursor.timeIntervalSince1970 * 1000))" }
            let reply = try await client.send(
                "GET", "/2016-08-15/services/\(parts[0])/functions/\(parts[1])/logs", query: query)
            guard reply.status == 200 else {
                throw ValidationError(String(decoding: reply.body, as: UTF8.self))
            }
            let lines = try JSONDecoder().decode(LogPage.self, from: reply.body).logs
            for line in lines where requestId == nil || line.requestId == requestId {
                let time = Date(timeIntervalSince1970: line.time / 1000)
                print("\(time.formatted(.iso8601)) \(line.requestId ?? "-") \(line.message)")
            }
            if let last = lines.last { cursor = Date(timeIntervalSince1970: last.time / 1000) }
            if tail { try await Task.sleep(for: .milliseconds(500)) }
        } while tail
    }

    struct LogPage: Decodable {
        struct Line: Decodable {
            var time: Double
            var requestId: String?
            var message: String
        }
        var logs: [Line]
    }

    static func parseAge(_ text: String) throws -> TimeInterval {
        guard let seconds = AgeText.seconds(text) else {
            throw ValidationError("--since takes a number and a unit: 30s, 10m, 2h, 1d")
        }
        return seconds
    }
}

/// Where the server is and how to sign: flags, then `NIMBUS_*` variables, then the profile the last
/// `nimbus serve` wrote (`~/.nimbus/profile.json`), then the local data dir.
struct Connection: ParsableArguments {
    @Option(help: "The Nimbus endpoint (NIMBUS_ENDPOINT; default http://127.0.0.1:8080).")
    var endpoint: String?

    @Option(help: "Data dir whose credentials.json to use when no keys are set (default ./.nimbus).")
    var dataDir: String?

    func client() throws -> FCClient { try clientAndEndpoint().0 }

    func clientAndEndpoint() throws -> (FCClient, String) {
        let environment = ProcessInfo.processInfo.environment
        let profile = Profile.load()
        let endpoint = endpoint ?? environment["NIMBUS_ENDPOINT"] ?? profile?.endpoint ?? "http://127.0.0.1:8080"
        if let id = environment["NIMBUS_ACCESS_KEY_ID"], let secret = environment["NIMBUS_ACCESS_KEY_SECRET"] {
            return (FCClient(endpoint: endpoint, accessKeyId: id, accessKeySecret: secret), endpoint)
        }
        if dataDir == nil, environment["NIMBUS_DATA_DIR"] == nil, let profile {
            return (
                FCClient(
                    endpoint: endpoint, accessKeyId: profile.accessKeyId, accessKeySecret: profile.accessKeySecret),
                endpoint
            )
        }
        let directory = URL(fileURLWithPath: dataDir ?? environment["NIMBUS_DATA_DIR"] ?? "./.nimbus")
        var configuration = NimbusConfiguration()
        configuration.dataDirectory = directory.path
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("credentials.json").path),
            let loaded = try? CredentialsFile.load(configuration, dataDirectory: directory)
        else {
            throw ValidationError(
                "no credentials: set NIMBUS_ACCESS_KEY_ID and NIMBUS_ACCESS_KEY_SECRET, or pass --data-dir")
        }
        return (
            FCClient(
                endpoint: endpoint, accessKeyId: loaded.credentials.accessKeyId,
                accessKeySecret: loaded.credentials.accessKeySecret), endpoint
        )
    }
}
