import CoreMetrics
import Foundation
import Logging
import NimbusCore
import NimbusMetering
import NimbusSQLite
import Testing

/// The recorder writes a full batch at once and a partial one at its interval, never on the call path.
@Suite struct InvocationRecorderTests {
    static func record(_ index: Int) -> InvocationRecord {
        InvocationRecord(
            requestId: "r-\(index)", service: "s", function: "f", qualifier: "LATEST", versionId: "LATEST",
            trigger: .sync, start: Date(), duration: 0.001, memoryLimitMB: 128, memoryUsedMB: 10, vcpu: 0.125,
            coldStart: nil, instanceId: "i", outcome: .success, httpStatus: nil, requestBytes: 1, responseBytes: 1)
    }

    @Test func aFullBatchIsWrittenAtOnceAndTheRestAtTheInterval() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recorder-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path)
        var configuration = InvocationRecorder.Configuration()
        configuration.flushInterval = 4
        configuration.flushRows = 4
        let recorder = InvocationRecorder(
            store: store, prices: PriceTable(), configuration: configuration, metrics: NOOPMetricsHandler.instance,
            logger: Logger(label: "test"))
        let loop = Task { try await recorder.run() }
        defer { loop.cancel() }
        func stored() async throws -> Int {
            try await store.recentInvocations(service: "s", function: "f", limit: 100).count
        }
        try await Task.sleep(for: .milliseconds(100))  // the loop waits for a batch
        let began = ContinuousClock.now
        for index in 0..<4 { recorder.record(Self.record(index), concurrency: 1) }
        var written = 0
        while written < 4, ContinuousClock.now - began < .seconds(5) {
            try await Task.sleep(for: .milliseconds(20))
            written = try await stored()
        }
        #expect(written == 4)
        #expect(ContinuousClock.now - began < .seconds(2), "a full batch does not wait for the 4 s interval")
        recorder.record(Self.record(4), concurrency: 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await stored() == 4, "one record is not a batch: it waits for the interval")
        while written < 5, ContinuousClock.now - began < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
            written = try await stored()
        }
        #expect(written == 5, "and is written then")
    }
}
