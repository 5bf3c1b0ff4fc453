import Foundation
import NimbusCore
import NimbusInvocation

/// The console's pages, rendered on the server from the usage report and the control plane.
struct ConsolePages: Sendable {
    let usage: UsageAPI
    let runner: FunctionRunner
    let events: any AsyncEventStore

    static func login(error: String?) -> String {
        """
        <h1>Nimbus console</h1>
        <p class="muted">Log in with the account's access key pair, or with the console token
        <code>nimbus serve</code> printed at start.</p>
        \(error.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? "")
        <form class="login" method="post" action="/console/login">
        <label>AccessKeyId<input name="accessKeyId" autocomplete="username"></label>
        <label>AccessKeySecret<input name="accessKeySecret" type="password" autocomplete="current-password"></label>
        <label>or console token<input name="token" type="password"></label>
        <button id="login" type="submit">Log in</button></form>
        """
    }

    func overview(window: String) async throws -> (String, String) {
        let report = try await usage.report(["since": window])
        var services: [String: UsageRollup] = [:]
        for (name, rollup) in report.functions {
            services[String(name.split(separator: "/")[0]), default: UsageRollup()].merge(rollup)
        }
        let records = try await runner.control.listServices(PageQuery(limit: 100), tags: [:]).items
        // One model, two views: an FC 3.0 function is a service holding one function of its name.
        let fc3 = Set(records.filter { $0.spec.holdsFC3Function == true }.map(\.name))
        let rows = Set(records.map(\.name)).union(services.keys).sorted().map { name in
            Self.row(
                name: name, link: "/console/services/\(Self.path(name))?window=\(window)", services[name],
                note: fc3.contains(name) ? "FC 3.0 function" : nil)
        }.joined()
        let body = """
            <h1>Account overview</h1>\(Self.windowNav(window, base: "/console"))
            \(Self.cards(report.total, alwaysOn: report.alwaysOn))
            <h2>Services</h2>\(Self.table(rows))
            <h2>Over time</h2><div class="charts">\(Self.trafficCharts(report))</div>
            """
        return ("Overview", body)
    }

    func service(_ service: String, window: String) async throws -> (String, String) {
        _ = try await runner.control.service(service)
        let report = try await usage.report(["since": window, "service": service])
        let functions = try await runner.control.listFunctions(service: service, PageQuery(limit: 100)).items
        let rows = functions.map { function in
            Self.row(
                name: function.name,
                link: "/console/services/\(Self.path(service))/functions/\(Self.path(function.name))?window=\(window)",
                report.functions[service + "/" + function.name])
        }.joined()
        let body = """
            <p class="muted"><a href="/console?window=\(window)">Overview</a> / service</p>
            <h1>\(HTML.escape(service))</h1>\(Self.windowNav(window, base: "/console/services/\(Self.path(service))"))
            \(Self.cards(report.total, alwaysOn: report.alwaysOn))
            <h2>Functions</h2>\(Self.table(rows))
            <h2>Over time</h2><div class="charts">\(Self.trafficCharts(report))</div>
            """
        return (service, body)
    }

    func function(_ function: String, service: String, window: String) async throws -> (String, String) {
        let record = try await runner.control.function(function, service: service)
        let report = try await usage.report(["since": window, "service": service, "function": function])
        let recent = try await usage.store.recentInvocations(service: service, function: function, limit: 20)
        let versions = try await usage.store.versionUsage(service: service, function: function, since: report.since)
        let queue = try await events.queueStatistics(
            now: Date(), function: QualifiedFunction(serviceName: service, qualifier: "LATEST", functionName: function))
        let logs = await runner.logs(service: service, function: function, since: nil, limit: 40)
        let triggers = try await runner.control.listTriggers(
            service: service, function: function, PageQuery(limit: 100))
        let base = "/console/services/\(Self.path(service))/functions/\(Self.path(function))"
        let body = """
            <p class="muted"><a href="/console?window=\(window)">Overview</a> /
            <a href="/console/services/\(Self.path(service))?window=\(window)">\(HTML.escape(service))</a> / function</p>
            <h1>\(HTML.escape(function))</h1>\(Self.windowNav(window, base: base))
            \(Self.cards(report.total, alwaysOn: report.alwaysOn))
            <h2>Over time</h2><div class="charts">\(Self.trafficCharts(report))\(Self.resourceCharts(report))</div>
            <h2>By version</h2>\(Self.versions(versions))
            <h2>Async invocations</h2>\(Self.asyncTable(queue))
            <h2>Recent invocations</h2>\(Self.invocations(recent))
            <h2>Logs</h2><pre id="logs">\(HTML.escape(logs.map { "\(FCTime.string($0.time)) \($0.requestId ?? "-") \($0.text)" }.joined(separator: "\n")))</pre>
            <h2>Configuration</h2><pre id="configuration">\(HTML.escape(Self.prettyJSON(Representations.function(record))))</pre>
            <h2>Triggers</h2><pre id="triggers">\(HTML.escape(triggers.items.map { Self.prettyJSON(Representations.trigger($0)) }.joined(separator: "\n")))</pre>
            """
        return (function, body)
    }

    // MARK: Pieces

    static func cards(_ total: UsageRollup, alwaysOn: UsageReport.AlwaysOn) -> String {
        let breakEven = alwaysOn.breakEvenInvocations.map { String(format: "%.0f", $0) } ?? "-"
        let items: [(String, String, String)] = [
            ("invocations", "Invocations", "\(total.invocations)"), ("errors", "Errors", "\(total.errors)"),
            ("duration", "Avg duration", String(format: "%.1f ms", total.averageDurationMs)),
            ("p99", "P99 duration", String(format: "%.1f ms", total.durationPercentileMs(0.99))),
            ("memory", "Max memory", String(format: "%.1f MB", total.memoryMaxMB)),
            ("coldstarts", "Cold starts", "\(total.coldStarts)"),
            ("gbs", "Memory GB-s", String(format: "%.4f", total.gbSeconds)),
            ("cu", "Compute units", String(format: "%.4f", total.computeUnits)),
            ("cost", "Cost (USD)", String(format: "%.8f", total.cost)),
            ("alwayson", "Always-on server (USD)", String(format: "%.6f", alwaysOn.cost)),
            ("breakeven", "Break-even calls", breakEven),
        ]
        return "<div class=\"cards\">"
            + items.map { id, label, value in
                "<div class=\"card\" id=\"card-\(id)\"><div class=\"value\">\(HTML.escape(value))</div>"
                    + "<div class=\"label\">\(label)</div></div>"
            }.joined() + "</div>"
    }

    static let columns = [
        "Invocations", "Errors", "Avg ms", "P99 ms", "Max MB", "Cold starts", "GB-s", "CU", "Cost (USD)",
    ]

    static func table(_ rows: String) -> String {
        "<table><thead><tr><th>Name</th>" + columns.map { "<th>\($0)</th>" }.joined()
            + "</tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func row(name: String, link: String, _ rollup: UsageRollup?, note: String? = nil) -> String {
        let r = rollup ?? UsageRollup()
        let cells = [
            ("invocations", "\(r.invocations)"), ("errors", "\(r.errors)"),
            ("avg", String(format: "%.1f", r.averageDurationMs)),
            ("p99", String(format: "%.1f", r.durationPercentileMs(0.99))),
            ("memory", String(format: "%.1f", r.memoryMaxMB)), ("coldstarts", "\(r.coldStarts)"),
            ("gbs", String(format: "%.4f", r.gbSeconds)), ("cu", String(format: "%.4f", r.computeUnits)),
            ("cost", String(format: "%.8f", r.cost)),
        ]
        return
            "<tr data-name=\"\(HTML.escape(name))\"><td><a href=\"\(HTML.escape(link))\">\(HTML.escape(name))</a>"
            + (note.map { " <span class=\"muted\">\(HTML.escape($0))</span>" } ?? "") + "</td>"
            + cells.map { "<td class=\"\($0.0)\">\($0.1)</td>" }.joined() + "</tr>"
    }

    static func trafficCharts(_ report: UsageReport) -> String {
        let times = report.series.map(\.time)
        let rollups = report.series.map(\.rollup)
        return [
            SVGChart.lines(
                title: "Invocations and errors", unit: "per \(Int(report.step / 60)) min", times: times,
                series: [
                    .init(name: "calls", color: "#2f6fde", values: rollups.map { Double($0.invocations) }),
                    .init(name: "errors", color: "#d93025", values: rollups.map { Double($0.errors) }),
                ]),
            SVGChart.lines(
                title: "Duration (ms)", unit: "ms", times: times,
                series: [
                    .init(name: "avg", color: "#2f6fde", values: rollups.map(\.averageDurationMs)),
                    .init(name: "p90", color: "#f29900", values: rollups.map { $0.durationPercentileMs(0.9) }),
                    .init(name: "p99", color: "#d93025", values: rollups.map { $0.durationPercentileMs(0.99) }),
                ]),
        ].joined()
    }

    static func resourceCharts(_ report: UsageReport) -> String {
        let times = report.series.map(\.time)
        let rollups = report.series.map(\.rollup)
        return [
            SVGChart.lines(
                title: "Memory used (MB, max)", unit: "MB", times: times,
                series: [.init(name: "max", color: "#188038", values: rollups.map(\.memoryMaxMB))]),
            SVGChart.lines(
                title: "Instances and cold starts", unit: "", times: times,
                series: [
                    .init(name: "instances", color: "#2f6fde", values: rollups.map { Double($0.instances.count) }),
                    .init(name: "cold", color: "#f29900", values: rollups.map { Double($0.coldStarts) }),
                ]),
            SVGChart.lines(
                title: "Cost (USD)", unit: "USD", times: times,
                series: [.init(name: "cost", color: "#9334e6", values: rollups.map(\.cost))]),
        ].joined()
    }

    static func invocations(_ records: [InvocationRecord]) -> String {
        let rows = records.map { r in
            let cells = [
                FCTime.string(r.start), r.trigger.rawValue, r.versionId, r.outcome.rawValue,
                String(format: "%.1f", r.duration * 1000), String(format: "%.1f", r.memoryUsedMB),
                r.coldStart.map { String(format: "%.1f", $0 * 1000) } ?? "warm", r.httpStatus.map(String.init) ?? "",
            ]
            return "<tr><td><code>\(HTML.escape(r.requestId))</code></td>"
                + cells.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>"
        }.joined()
        let head = ["Request id", "Start", "Trigger", "Version", "Outcome", "ms", "MB", "Cold start ms", "HTTP"]
        return "<table id=\"invocations\"><thead><tr>" + head.map { "<th>\($0)</th>" }.joined()
            + "</tr></thead><tbody>\(rows)</tbody></table>"
    }

    /// FC's async metrics for the function, from the stored events (kept 7 days): backlog, in process,
    /// outcomes, retries, redeliveries, the oldest queued event's age.
    static func asyncTable(_ queue: AsyncQueueStatistics) -> String {
        let cells: [(String, String)] = [
            ("queued", "\(queue.queued)"), ("running", "\(queue.running)"),
            ("succeeded", "\(queue.byStatus[.succeeded] ?? 0)"), ("failed", "\(queue.byStatus[.failed] ?? 0)"),
            ("expired", "\(queue.byStatus[.expired] ?? 0)"), ("stopped", "\(queue.byStatus[.stopped] ?? 0)"),
            ("retries", "\(queue.retries)"), ("redeliveries", "\(queue.redeliveries)"),
            ("oldest", String(format: "%.1f s", queue.oldestQueuedAge)),
        ]
        let head = [
            "Queued", "Running", "Succeeded", "Failed", "Expired", "Stopped", "Retries", "Redelivered",
            "Oldest queued",
        ]
        return "<table id=\"async\"><thead><tr>" + head.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody><tr>"
            + cells.map { "<td class=\"\($0.0)\">\($0.1)</td>" }.joined() + "</tr></tbody></table>"
    }

    static func versions(_ versions: [VersionUsage]) -> String {
        let total = max(1, versions.reduce(0) { $0 + $1.invocations })
        let rows = versions.map { v in
            "<tr data-name=\"\(HTML.escape(v.versionId))\"><td>\(HTML.escape(v.versionId))</td>"
                + "<td class=\"invocations\">\(v.invocations)</td>"
                + "<td class=\"share\">\(String(format: "%.1f%%", 100 * Double(v.invocations) / Double(total)))</td>"
                + "<td class=\"errors\">\(v.errors)</td><td>\(String(format: "%.1f", v.averageDurationMs))</td></tr>"
        }.joined()
        return "<table id=\"versions\"><thead><tr><th>Version</th><th>Invocations</th><th>Share</th><th>Errors</th>"
            + "<th>Avg ms</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func windowNav(_ window: String, base: String) -> String {
        "<nav class=\"window\">Window: "
            + ConsoleAPI.windows.map {
                $0 == window ? "<strong>\($0)</strong> " : "<a href=\"\(base)?window=\($0)\">\($0)</a>"
            }
            .joined() + "</nav>"
    }

    static func path(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name
    }

    static func prettyJSON(_ fields: [String: JSONValue]) -> String {
        let encoder = FCJSON.makeEncoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return (try? String(decoding: encoder.encode(JSONValue.object(fields)), as: UTF8.self)) ?? ""
    }
}
