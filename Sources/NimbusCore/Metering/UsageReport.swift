import Foundation

/// Usage over a window, as the console, `nimbus metrics` and the JSON API show it: totals, per function,
/// a time series, and the always-on comparison. Built from per-minute rollups; pure.
package struct UsageReport: Sendable {
    package struct Point: Sendable {
        package var time: Date
        package var rollup: UsageRollup
    }

    /// What an always-on server would have cost, and when serverless stops being cheaper.
    package struct AlwaysOn: Sendable, Equatable {
        /// Each function on its own server sized for its peak concurrency, for the whole window.
        package var cost: Double
        /// Calls in the window at which serverless would cost as much as the servers (nil: no calls yet).
        package var breakEvenInvocations: Double?
    }

    package var since: Date
    package var until: Date
    package var step: TimeInterval
    package var total: UsageRollup
    /// Keyed `service/function`.
    package var functions: [String: UsageRollup]
    package var series: [Point]
    package var alwaysOn: AlwaysOn

    package init(rollups: [UsageKey: UsageRollup], since: Date, until: Date, step: TimeInterval, prices: PriceTable) {
        self.since = since
        self.until = until
        self.step = max(60, step)
        var total = UsageRollup()
        var functions: [String: UsageRollup] = [:]
        var buckets: [Int: UsageRollup] = [:]
        let stepMinutes = Int(self.step / 60)
        let firstMinute = Int((since.timeIntervalSince1970 / 60).rounded(.down))
        for (key, rollup) in rollups {
            total.merge(rollup)
            functions[key.service + "/" + key.function, default: UsageRollup()].merge(rollup)
            let bucket = (key.minute - firstMinute) / stepMinutes
            buckets[bucket, default: UsageRollup()].merge(rollup)
        }
        // Points start at whole minutes; the last one holds the minute `until` falls in.
        let lastMinute = Int((until.timeIntervalSince1970 / 60).rounded(.down))
        let count = (lastMinute - firstMinute) / stepMinutes + 1
        series = (0..<max(1, count)).map { index in
            Point(
                time: Date(timeIntervalSince1970: Double((firstMinute + index * stepMinutes) * 60)),
                rollup: buckets[index] ?? UsageRollup())
        }
        self.total = total
        self.functions = functions
        let seconds = until.timeIntervalSince(since)
        let alwaysOnCost = functions.values.reduce(0.0) { sum, rollup in
            guard rollup.invocations > 0 else { return sum }
            return sum
                + prices.alwaysOnCost(
                    peakConcurrency: rollup.peakConcurrency, vcpu: rollup.vcpu, memoryMB: Double(rollup.memoryLimitMB),
                    seconds: seconds)
        }
        let perCall = total.invocations > 0 ? total.cost / Double(total.invocations) : 0
        alwaysOn = AlwaysOn(cost: alwaysOnCost, breakEvenInvocations: perCall > 0 ? alwaysOnCost / perCall : nil)
    }
}
