import Foundation

/// FC's pay-as-you-go units and prices (fc-console-and-billing spec), and an always-on server's price.
///
/// Every billable item becomes compute units (CU): 10,000 invocations = 75 CU, 1 active vCPU-second =
/// 1 CU, 1 GB-second of memory = 0.15 CU, 1 GB-second of disk above 512 MB = 0.05 CU; a CU costs
/// USD 0.000020 (FC's first tier).
package struct PriceTable: Sendable, Equatable {
    package var cuPerInvocation = 75.0 / 10_000
    package var cuPerVCPUSecond = 1.0
    package var cuPerGBSecond = 0.15
    package var cuPerDiskGBSecond = 0.05
    package var freeDiskMB = 512.0
    package var usdPerCU = 0.000020
    /// Calls are billed in whole multiples of this (FC 2.0 today: 1 ms; historically 100 ms).
    package var billingGranularityMs = 1
    /// The always-on comparison: a server's price per vCPU-hour and per GB-hour of memory.
    package var alwaysOnUSDPerVCPUHour = 0.0236
    package var alwaysOnUSDPerGBHour = 0.0031

    package init() {}

    /// Duration rounded up to the billing granularity, in ms (at least one unit).
    package func billedMs(_ duration: TimeInterval) -> Int {
        let unit = max(1, billingGranularityMs)
        let ms = Int((duration * 1000).rounded(.up))
        return max(unit, (ms + unit - 1) / unit * unit)
    }

    /// What one call is metered as. Throttled calls ran nothing and cost nothing.
    package func usage(of record: InvocationRecord, diskMB: Double = 512) -> Usage {
        guard record.outcome != .throttled else { return Usage() }
        let seconds = Double(billedMs(record.duration)) / 1000
        var usage = Usage()
        usage.invocations = 1
        usage.billedMs = billedMs(record.duration)
        usage.vcpuSeconds = record.vcpu * seconds
        usage.gbSeconds = Double(record.memoryLimitMB) / 1024 * seconds
        usage.diskGBSeconds = max(0, diskMB - freeDiskMB) / 1024 * seconds
        usage.computeUnits =
            cuPerInvocation + usage.vcpuSeconds * cuPerVCPUSecond + usage.gbSeconds * cuPerGBSecond
            + usage.diskGBSeconds * cuPerDiskGBSecond
        usage.cost = usage.computeUnits * usdPerCU
        return usage
    }

    /// An always-on server able to serve `peakConcurrency` calls of this size at once, for `seconds`.
    package func alwaysOnCost(peakConcurrency: Int, vcpu: Double, memoryMB: Double, seconds: TimeInterval) -> Double {
        let hours = seconds / 3600
        return Double(max(1, peakConcurrency))
            * (vcpu * alwaysOnUSDPerVCPUHour + memoryMB / 1024 * alwaysOnUSDPerGBHour) * hours
    }
}

/// Metered usage in FC's units, summable.
package struct Usage: Sendable, Equatable {
    package var invocations = 0
    package var billedMs = 0
    package var vcpuSeconds = 0.0
    package var gbSeconds = 0.0
    package var diskGBSeconds = 0.0
    package var computeUnits = 0.0
    package var cost = 0.0

    package init() {}

    package static func + (a: Usage, b: Usage) -> Usage {
        var sum = a
        sum.invocations += b.invocations
        sum.billedMs += b.billedMs
        sum.vcpuSeconds += b.vcpuSeconds
        sum.gbSeconds += b.gbSeconds
        sum.diskGBSeconds += b.diskGBSeconds
        sum.computeUnits += b.computeUnits
        sum.cost += b.cost
        return sum
    }

    /// The receipt a sync response carries: `invocations=1; billed-ms=12; vcpu-s=…; gb-s=…; cu=…; usd=…`.
    package var receipt: String {
        // Shortest round-trip digits; String(format:) was a measurable share of a warm HTTP call.
        func f(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : value.description
        }
        return "invocations=\(invocations); billed-ms=\(billedMs); vcpu-s=\(f(vcpuSeconds)); gb-s=\(f(gbSeconds)); "
            + "cu=\(f(computeUnits)); usd=\(f(cost))"
    }
}
