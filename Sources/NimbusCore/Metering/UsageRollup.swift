import Foundation

/// One minute of one function at one qualifier: counts, durations, memory, instances, usage. Summable, so
/// minutes fold into any window.
package struct UsageRollup: Sendable, Equatable, Codable {
    package var invocations = 0
    /// Per `InvocationRecord.Outcome` raw value.
    package var outcomes: [String: Int] = [:]
    /// HTTP-trigger answers by class: `2xx` ... `5xx`.
    package var httpStatus: [String: Int] = [:]
    package var durationSumMs = 0.0
    package var durationMaxMs = 0.0
    /// Call durations in log buckets (see ``DurationBuckets``), for percentiles.
    package var durationBuckets: [Int: Int] = [:]
    package var memoryMaxMB = 0.0
    package var memoryLimitMB = 0
    package var coldStarts = 0
    package var coldStartSumMs = 0.0
    /// Distinct instances that served calls (capped at 1,000 per minute).
    package var instances: Set<String> = []
    /// Most calls of this function in flight at once.
    package var peakConcurrency = 0
    package var requestBytes = 0
    package var responseBytes = 0
    package var vcpu = 0.0
    package var billedMs = 0
    package var vcpuSeconds = 0.0
    package var gbSeconds = 0.0
    package var computeUnits = 0.0
    package var cost = 0.0

    package init() {}

    package var errors: Int { invocations - (outcomes[InvocationRecord.Outcome.success.rawValue] ?? 0) }
    package var averageDurationMs: Double { invocations == 0 ? 0 : durationSumMs / Double(invocations) }

    package mutating func add(_ record: InvocationRecord, usage: Usage) {
        invocations += 1
        outcomes[record.outcome.rawValue, default: 0] += 1
        if let status = record.httpStatus { httpStatus["\(status / 100)xx", default: 0] += 1 }
        let ms = record.duration * 1000
        durationSumMs += ms
        durationMaxMs = max(durationMaxMs, ms)
        durationBuckets[DurationBuckets.index(ms), default: 0] += 1
        memoryMaxMB = max(memoryMaxMB, record.memoryUsedMB)
        memoryLimitMB = max(memoryLimitMB, record.memoryLimitMB)
        if let cold = record.coldStart {
            coldStarts += 1
            coldStartSumMs += cold * 1000
        }
        if instances.count < 1000, !record.instanceId.isEmpty { instances.insert(record.instanceId) }
        requestBytes += record.requestBytes
        responseBytes += record.responseBytes
        vcpu = max(vcpu, record.vcpu)
        billedMs += usage.billedMs
        vcpuSeconds += usage.vcpuSeconds
        gbSeconds += usage.gbSeconds
        computeUnits += usage.computeUnits
        cost += usage.cost
    }

    package mutating func merge(_ other: UsageRollup) {
        invocations += other.invocations
        outcomes.merge(other.outcomes, uniquingKeysWith: +)
        httpStatus.merge(other.httpStatus, uniquingKeysWith: +)
        durationSumMs += other.durationSumMs
        durationMaxMs = max(durationMaxMs, other.durationMaxMs)
        durationBuckets.merge(other.durationBuckets, uniquingKeysWith: +)
        memoryMaxMB = max(memoryMaxMB, other.memoryMaxMB)
        memoryLimitMB = max(memoryLimitMB, other.memoryLimitMB)
        coldStarts += other.coldStarts
        coldStartSumMs += other.coldStartSumMs
        if instances.count < 1000 { instances.formUnion(other.instances) }
        peakConcurrency = max(peakConcurrency, other.peakConcurrency)
        requestBytes += other.requestBytes
        responseBytes += other.responseBytes
        vcpu = max(vcpu, other.vcpu)
        billedMs += other.billedMs
        vcpuSeconds += other.vcpuSeconds
        gbSeconds += other.gbSeconds
        computeUnits += other.computeUnits
        cost += other.cost
    }

    /// The duration below which `fraction` of calls finished (0.5, 0.9, 0.99), from the buckets.
    package func durationPercentileMs(_ fraction: Double) -> Double {
        let total = durationBuckets.values.reduce(0, +)
        guard total > 0 else { return 0 }
        let rank = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in durationBuckets.sorted(by: { $0.key < $1.key }) {
            seen += count
            if seen >= rank { return min(DurationBuckets.upperBound(index), durationMaxMs) }
        }
        return durationMaxMs
    }
}

/// Log-scale duration buckets: each 20% wider than the last, from 0.1 ms; a percentile read from them is
/// within 20% of the truth.
package enum DurationBuckets {
    static let base = 0.1
    static let ratio = 1.2

    package static func index(_ ms: Double) -> Int {
        guard ms > base else { return 0 }
        return Int((log(ms / base) / log(ratio)).rounded(.up))
    }

    package static func upperBound(_ index: Int) -> Double { base * pow(ratio, Double(index)) }
}
