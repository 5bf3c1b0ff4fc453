import Foundation
import Hummingbird
import NimbusCore

/// Metering's JSON API (signed like the rest; the console and `nimbus metrics` read it):
/// `GET /2016-08-15/usage?service=&function=&qualifier=&since=1h&until=&step=` and a function's recent
/// invocation records.
package struct UsageAPI: Sendable {
    let store: any UsageStore
    let prices: PriceTable
    /// Writes pending records first, so a report right after calls includes them.
    let flush: @Sendable () async -> Void

    package init(store: any UsageStore, prices: PriceTable, flush: @escaping @Sendable () async -> Void) {
        self.store = store
        self.prices = prices
        self.flush = flush
    }

    package func register(on router: Router<NimbusRequestContext>) {
        for version in APIVersion.fc2 { register(on: router.group(RouterPath(version.prefix))) }
    }

    func register(on api: RouterGroup<NimbusRequestContext>) {
        api.get("usage") { request, _ in
            let query = ManagementAPI.query(request)
            let report = try await report(query)
            var body = Self.json(report, prices: prices)
            if let service = query["service"], let function = query["function"] {
                let versions = try await store.versionUsage(service: service, function: function, since: report.since)
                body["versions"] = .array(versions.map(Self.json))
            }
            return FCResponse.json(body)
        }
        api.get("services/:service/functions/:function/invocation-records") { request, context in
            let limit = min(1000, max(1, ManagementAPI.query(request)["limit"].flatMap(Int.init) ?? 50))
            await flush()
            let records = try await store.recentInvocations(
                service: try ManagementAPI.parameter(context, "service"),
                function: try ManagementAPI.parameter(context, "function"), limit: limit)
            return FCResponse.json(["invocations": .array(records.map { .object(Self.json($0)) })])
        }
    }

    /// The report a query asks for: `since` as a duration back from now (`90s`, `15m`, `1h`, `7d`) or epoch
    /// seconds; `step` in seconds (default: the window in about 60 points).
    func report(_ query: [String: String], now: Date = Date()) async throws -> UsageReport {
        let until = try query["until"].map { try Self.time($0, now: now, field: "until") } ?? now
        let since = try Self.time(query["since"] ?? "1h", now: until, field: "since")
        guard since < until else { throw NimbusError.invalidArgument("since must be before until") }
        let window = until.timeIntervalSince(since)
        guard window <= Self.longestWindow else {
            throw NimbusError.invalidArgument("the window may span at most 31 days")
        }
        var step = (window / 60 / 60).rounded(.up) * 60
        if let text = query["step"], !text.isEmpty {
            let value = try Bounded.real(text, "step (seconds)", in: 60...Self.longestWindow)
            step = (value / 60).rounded(.up) * 60
        }
        await flush()
        let filter = UsageFilter(
            service: query["service"].flatMap { $0.isEmpty ? nil : $0 },
            function: query["function"].flatMap { $0.isEmpty ? nil : $0 },
            qualifier: query["qualifier"].flatMap { $0.isEmpty ? nil : $0 }, since: since, until: until)
        let rollups = try await store.rollups(filter)
        return UsageReport(rollups: rollups, since: since, until: until, step: step, prices: prices)
    }

    /// The widest window a report spans: 31 days.
    static let longestWindow: TimeInterval = 31 * 86_400

    static func time(_ text: String, now: Date, field: String) throws -> Date {
        if let seconds = Double(text), seconds > 1_000_000_000 { return try Bounded.epoch(text, field) }
        guard let seconds = AgeText.seconds(text) else {
            throw NimbusError.invalidArgument(
                "\(field) '\(text)' must be a duration back from now (90s, 15m, 1h, 7d) or epoch seconds")
        }
        return now.addingTimeInterval(-seconds)
    }

    static func json(_ report: UsageReport, prices: PriceTable) -> [String: JSONValue] {
        let functions: [JSONValue] = report.functions.sorted { $0.key < $1.key }.map { name, rollup in
            let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
            var fields = json(rollup)
            fields["serviceName"] = .string(parts[0])
            fields["functionName"] = .string(parts.count > 1 ? parts[1] : "")
            return .object(fields)
        }
        let series: [JSONValue] = report.series.map { point in
            var fields = json(point.rollup)
            fields["time"] = .string(FCTime.string(point.time))
            return .object(fields)
        }
        return [
            "since": .string(FCTime.string(report.since)), "until": .string(FCTime.string(report.until)),
            "stepSeconds": .number(report.step), "totals": .object(json(report.total)),
            "functions": .array(functions), "series": .array(series),
            "alwaysOn": .object([
                "cost": .number(report.alwaysOn.cost),
                "breakEvenInvocations": report.alwaysOn.breakEvenInvocations.map { .number($0.rounded()) } ?? .null,
            ]),
            "prices": .object([
                "usdPerCU": .number(prices.usdPerCU),
                "billingGranularityMs": .number(Double(prices.billingGranularityMs)),
                "alwaysOnUSDPerVCPUHour": .number(prices.alwaysOnUSDPerVCPUHour),
                "alwaysOnUSDPerGBHour": .number(prices.alwaysOnUSDPerGBHour),
            ]),
        ]
    }

    static func json(_ rollup: UsageRollup) -> [String: JSONValue] {
        func round(_ value: Double, _ places: Double = 1000) -> JSONValue {
            .number((value * places).rounded() / places)
        }
        return [
            "invocations": .number(Double(rollup.invocations)), "errors": .number(Double(rollup.errors)),
            "outcomes": .object(rollup.outcomes.mapValues { .number(Double($0)) }),
            "httpStatus": .object(rollup.httpStatus.mapValues { .number(Double($0)) }),
            "durationAvgMs": round(rollup.averageDurationMs), "durationP50Ms": round(rollup.durationPercentileMs(0.5)),
            "durationP90Ms": round(rollup.durationPercentileMs(0.9)),
            "durationP99Ms": round(rollup.durationPercentileMs(0.99)), "durationMaxMs": round(rollup.durationMaxMs),
            "memoryMaxMB": round(rollup.memoryMaxMB, 100), "memoryLimitMB": .number(Double(rollup.memoryLimitMB)),
            "instances": .number(Double(rollup.instances.count)),
            "peakConcurrency": .number(Double(rollup.peakConcurrency)),
            "coldStarts": .number(Double(rollup.coldStarts)),
            "coldStartAvgMs": round(rollup.coldStarts == 0 ? 0 : rollup.coldStartSumMs / Double(rollup.coldStarts)),
            "billedMs": .number(Double(rollup.billedMs)), "vcpuSeconds": round(rollup.vcpuSeconds, 1e6),
            "gbSeconds": round(rollup.gbSeconds, 1e6), "computeUnits": round(rollup.computeUnits, 1e6),
            "cost": round(rollup.cost, 1e9),
        ]
    }

    static func json(_ version: VersionUsage) -> JSONValue {
        .object([
            "versionId": .string(version.versionId), "invocations": .number(Double(version.invocations)),
            "errors": .number(Double(version.errors)),
            "durationAvgMs": .number((version.averageDurationMs * 1000).rounded() / 1000),
        ])
    }

    static func json(_ record: InvocationRecord) -> [String: JSONValue] {
        [
            "requestId": .string(record.requestId), "qualifier": .string(record.qualifier),
            "versionId": .string(record.versionId), "trigger": .string(record.trigger.rawValue),
            "startTime": .number((record.start.timeIntervalSince1970 * 1000).rounded()),
            "durationMs": .number((record.duration * 1e6).rounded() / 1000),
            "memoryLimitMB": .number(Double(record.memoryLimitMB)),
            "memoryUsedMB": .number((record.memoryUsedMB * 100).rounded() / 100),
            "coldStartMs": record.coldStart.map { .number(($0 * 1e6).rounded() / 1000) } ?? .null,
            "instanceId": .string(record.instanceId), "outcome": .string(record.outcome.rawValue),
            "httpStatus": record.httpStatus.map { .number(Double($0)) } ?? .null,
            "requestBytes": .number(Double(record.requestBytes)),
            "responseBytes": .number(Double(record.responseBytes)),
        ]
    }
}
