import Foundation
import NimbusCore
import Testing

struct MeteringTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    func record(
        ms: Double, memory: Int = 128, outcome: InvocationRecord.Outcome = .success, cold: Double? = nil,
        function: String = "f", at offset: TimeInterval = 0
    ) -> InvocationRecord {
        InvocationRecord(
            requestId: UUID().uuidString, service: "s", function: function, qualifier: "LATEST", versionId: "LATEST",
            trigger: .sync, start: Self.start.addingTimeInterval(offset), duration: ms / 1000, memoryLimitMB: memory,
            memoryUsedMB: 30, vcpu: InvocationRecord.vcpu(memoryMB: memory, cpu: nil), coldStart: cold,
            instanceId: "i1", outcome: outcome, httpStatus: nil, requestBytes: 10, responseBytes: 20)
    }

    @Test func oneCallIsMeteredInFCsUnits() {
        // 123.4 ms at 128 MB (0.125 vCPU): billed 124 ms
        let usage = PriceTable().usage(of: record(ms: 123.4))
        #expect(usage.billedMs == 124)
        #expect(abs(usage.vcpuSeconds - 0.0155) < 1e-12)  // 0.125 vCPU x 0.124 s
        #expect(abs(usage.gbSeconds - 0.0155) < 1e-12)  // 0.125 GB x 0.124 s
        // 0.0075 (invocation) + 0.0155 (vCPU) + 0.0155 x 0.15 (memory) = 0.025325 CU
        #expect(abs(usage.computeUnits - 0.025325) < 1e-12)
        #expect(abs(usage.cost - 0.025325 * 0.00002) < 1e-15)
        #expect(usage.receipt.hasPrefix("invocations=1; billed-ms=124; vcpu-s=0.0155; gb-s=0.0155; cu=0.025325;"))
    }

    @Test func granularityRoundsUpAndThrottledCallsCostNothing() {
        var prices = PriceTable()
        prices.billingGranularityMs = 100
        #expect(prices.usage(of: record(ms: 123.4)).billedMs == 200)
        #expect(prices.usage(of: record(ms: 0.2)).billedMs == 100)
        #expect(PriceTable().usage(of: record(ms: 5, outcome: .throttled)) == Usage())
        // disk above the free 512 MB: 1,536 MB for 1 s = 1 GB-s above, 0.05 CU
        let disk = PriceTable().usage(of: record(ms: 1000, memory: 1024), diskMB: 1536)
        #expect(abs(disk.diskGBSeconds - 1) < 1e-12)
        #expect(abs(disk.computeUnits - (0.0075 + 1 + 0.15 + 0.05)) < 1e-12)
    }

    @Test func rollupsCountOutcomesDurationsAndColdStarts() {
        var rollup = UsageRollup()
        let prices = PriceTable()
        for r in [record(ms: 10, cold: 0.004), record(ms: 20), record(ms: 100, outcome: .timeout)] {
            rollup.add(r, usage: prices.usage(of: r))
        }
        #expect(rollup.invocations == 3)
        #expect(rollup.errors == 1)
        #expect(rollup.outcomes == ["success": 2, "timeout": 1])
        #expect(abs(rollup.averageDurationMs - 130.0 / 3) < 1e-9)
        #expect(rollup.durationMaxMs == 100)
        #expect(rollup.coldStarts == 1 && rollup.coldStartSumMs == 4)
        // percentiles come from 20%-wide buckets: the median call took 20 ms
        let median = rollup.durationPercentileMs(0.5)
        #expect(median >= 20 && median <= 24)
        #expect(rollup.durationPercentileMs(0.99) == 100)
        var merged = UsageRollup()
        merged.merge(rollup)
        merged.merge(rollup)
        #expect(merged.invocations == 6 && merged.durationMaxMs == 100 && merged.coldStarts == 2)
        #expect(abs(merged.cost - 2 * rollup.cost) < 1e-15)
    }

    @Test func reportsSplitByFunctionAndTimeAndPriceTheAlwaysOnServer() throws {
        let prices = PriceTable()
        var rollups: [UsageKey: UsageRollup] = [:]
        let calls = [
            record(ms: 50, function: "a"), record(ms: 50, function: "a", at: 61),
            record(ms: 50, function: "b", at: 125),
        ]
        for r in calls {
            rollups[UsageKey(r), default: UsageRollup()].add(r, usage: prices.usage(of: r))
            rollups[UsageKey(r)]!.peakConcurrency = 2
        }
        let report = UsageReport(
            rollups: rollups, since: Self.start, until: Self.start.addingTimeInterval(3600), step: 60, prices: prices)
        #expect(report.total.invocations == 3)
        #expect(report.functions["s/a"]?.invocations == 2 && report.functions["s/b"]?.invocations == 1)
        #expect(report.series.count == 61)  // whole minutes from since to the minute of until, both ends
        #expect(report.series.prefix(3).map(\.rollup.invocations) == [1, 1, 1])
        // each function on its own server for its peak of 2 calls: 2 x (0.125 vCPU x 0.0236 + 0.125 GB x 0.0031) x 1 h
        let perFunction = 2 * (0.125 * 0.0236 + 0.125 * 0.0031)
        #expect(abs(report.alwaysOn.cost - 2 * perFunction) < 1e-12)
        let perCall = report.total.cost / 3
        #expect(abs(try #require(report.alwaysOn.breakEvenInvocations) - 2 * perFunction / perCall) < 1e-6)
    }
}
