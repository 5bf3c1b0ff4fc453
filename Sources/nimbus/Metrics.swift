import ArgumentParser
import Foundation
import NimbusClient

/// `nimbus metrics SERVICE[/FUNCTION] [--since 1h]`: usage and cost over a window, as a table.
struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a service's or a function's usage and cost.",
        discussion: """
            Examples:
              nimbus metrics catalog                 one line per function of service catalog, last hour
              nimbus metrics catalog/get-item --since 24h
            """)

    @Argument(help: "SERVICE, or SERVICE/FUNCTION.")
    var target: String

    @Option(help: "The window, back from now: 15m, 1h, 24h, 7d.")
    var since = "1h"

    @OptionGroup var connection: Connection

    func run() async throws {
        let parts = target.split(separator: "/").map(String.init)
        guard (1...2).contains(parts.count) else { throw ValidationError("give SERVICE or SERVICE/FUNCTION") }
        var query = "service=\(parts[0])&since=\(since)"
        if parts.count == 2 { query += "&function=\(parts[1])" }
        let reply = try await connection.client().send("GET", "/2016-08-15/usage", query: query)
        guard reply.status == 200 else { throw ValidationError(String(decoding: reply.body, as: UTF8.self)) }
        let report = try JSONDecoder().decode(Report.self, from: reply.body)
        print("\(target) from \(report.since) to \(report.until)")
        if parts.count == 2 {
            Self.printDetail(report.totals, alwaysOn: report.alwaysOn)
            return
        }
        let header = ["FUNCTION", "CALLS", "ERRORS", "AVG_MS", "P99_MS", "MAX_MB", "COLD", "GB_S", "CU", "USD"]
        let rows = report.functions.map { [$0.functionName ?? "-"] + Self.cells($0) }
        Listing.table(header, rows + [["TOTAL"] + Self.cells(report.totals)], empty: "")
        print(String(format: "always-on servers for the same peak: USD %.6f", report.alwaysOn.cost))
    }

    static func cells(_ r: Figures) -> [String] {
        [
            String(r.invocations), String(r.errors), String(format: "%.1f", r.durationAvgMs),
            String(format: "%.1f", r.durationP99Ms), String(format: "%.1f", r.memoryMaxMB), String(r.coldStarts),
            String(format: "%.4f", r.gbSeconds), String(format: "%.4f", r.computeUnits), String(format: "%.8f", r.cost),
        ]
    }

    static func printDetail(_ r: Figures, alwaysOn: Report.AlwaysOn) {
        let rows: [(String, String)] = [
            ("invocations", String(r.invocations)), ("errors", String(r.errors)),
            ("duration avg ms", String(format: "%.1f", r.durationAvgMs)),
            ("duration p50 ms", String(format: "%.1f", r.durationP50Ms)),
            ("duration p90 ms", String(format: "%.1f", r.durationP90Ms)),
            ("duration p99 ms", String(format: "%.1f", r.durationP99Ms)),
            ("duration max ms", String(format: "%.1f", r.durationMaxMs)),
            ("memory max MB", String(format: "%.1f", r.memoryMaxMB)), ("cold starts", String(r.coldStarts)),
            ("GB-s", String(format: "%.6f", r.gbSeconds)), ("CU", String(format: "%.6f", r.computeUnits)),
            ("cost USD", String(format: "%.9f", r.cost)), ("always-on USD", String(format: "%.6f", alwaysOn.cost)),
            ("break-even calls", alwaysOn.breakEvenInvocations.map { String(format: "%.0f", $0) } ?? "-"),
        ]
        for (name, value) in rows { print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + value) }
    }

    struct Figures: Decodable {
        var functionName: String?
        var invocations: Int
        var errors: Int
        var durationAvgMs: Double
        var durationP50Ms: Double
        var durationP90Ms: Double
        var durationP99Ms: Double
        var durationMaxMs: Double
        var memoryMaxMB: Double
        var coldStarts: Int
        var gbSeconds: Double
        var computeUnits: Double
        var cost: Double
    }

    struct Report: Decodable {
        struct AlwaysOn: Decodable {
            var cost: Double
            var breakEvenInvocations: Double?
        }
        var since: String
        var until: String
        var totals: Figures
        var functions: [Figures]
        var alwaysOn: AlwaysOn
    }
}
