import CoreMetrics
import Foundation
import Logging
import NimbusCore
import ServiceLifecycle
import Synchronization

/// Meters every invocation off the call path: a call hands over its record (a lock and an append), and
/// a background loop writes the batch and its per-minute rollups in one transaction, every
/// `flushInterval` or as soon as `flushRows` records wait (but `flushSpacing` apart). Small writes keep
/// each one short: on a busy host a write holds a core, and the calls that run meanwhile wait for it
/// (one write of 900 rows tripled a warm call's p99; see docs/benchmarks.md).
package final class InvocationRecorder: Service, Sendable {
    package struct Configuration: Sendable {
        package var flushInterval: TimeInterval = 0.25
        package var flushRows = 32
        /// Writes are at least this far apart: under heavy load a batch grows past `flushRows` instead
        /// of one transaction per 32 calls (which cost 18 us per call at 15,000 calls/s).
        package var flushSpacing: TimeInterval = 0.02
        /// Raw records kept this long, and at most this many.
        package var rawRetention: TimeInterval = 7 * 86_400
        package var rawKeep = 1_000_000
        /// Per-minute rollups kept this long (FC keeps 31 days).
        package var rollupRetention: TimeInterval = 31 * 86_400
        /// Records held while the store refuses writes; past it the oldest are dropped and counted.
        package var maximumPending = 200_000

        package init() {}
    }

    let store: any UsageStore
    package let prices: PriceTable
    let configuration: Configuration
    let metrics: InvocationMetrics
    let logger: Logger
    let pending = Mutex<[(InvocationRecord, Usage, Int)]>([])
    /// Raised when a batch is full, so the loop writes it before the interval ends.
    let batchFull = WakeSignal()
    let inFlight = Mutex<[String: Int]>([:])

    package init(
        store: any UsageStore, prices: PriceTable, configuration: Configuration = .init(),
        metrics: any MetricsFactory, logger: Logger
    ) {
        self.store = store
        self.prices = prices
        self.configuration = configuration
        self.metrics = InvocationMetrics(factory: metrics)
        self.logger = logger
    }

    /// A call of the function starts; returns how many of its calls are in flight now (this one included).
    package func begin(service: String, function: String) -> Int {
        inFlight.withLock { counts in
            counts[service + "/" + function, default: 0] += 1
            return counts[service + "/" + function]!
        }
    }

    package func end(service: String, function: String) {
        inFlight.withLock { counts in
            let key = service + "/" + function
            counts[key] = max(0, (counts[key] ?? 1) - 1)
            if counts[key] == 0 { counts[key] = nil }
        }
    }

    /// Meters a finished call; returns its usage (for the cost receipt). Never blocks on the store.
    @discardableResult
    package func record(_ record: InvocationRecord, concurrency: Int, diskMB: Double = 512) -> Usage {
        let usage = prices.usage(of: record, diskMB: diskMB)
        metrics.observe(record, usage: usage)
        let (dropped, full) = pending.withLock { pending -> (Int, Bool) in
            pending.append((record, usage, concurrency))
            let excess = pending.count - configuration.maximumPending
            if excess > 0 { pending.removeFirst(excess) }
            return (max(0, excess), pending.count == configuration.flushRows)
        }
        if full { batchFull.signal() }
        if dropped > 0 { metrics.dropped.increment(by: Int64(dropped)) }
        return usage
    }

    package func run() async throws {
        var lastPrune = Date.distantPast
        var lastFlush = Date.distantPast
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await withGracefulShutdownHandler {
                await batchFull.wait(upTo: configuration.flushInterval)
                let early = configuration.flushSpacing - Date().timeIntervalSince(lastFlush)
                if early > 0 { try? await Task.sleep(for: .seconds(early)) }
            } onGracefulShutdown: {
                self.batchFull.signal()
            }
            lastFlush = Date()
            await flush()
            if Date().timeIntervalSince(lastPrune) > 3600 {
                lastPrune = Date()
                await prune()
            }
        }
        await flush()
    }

    /// Writes what is pending: raw records and their minutes merged. On failure they stay pending.
    package func flush() async {
        let batch = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        guard !batch.isEmpty else { return }
        var rollups: [UsageKey: UsageRollup] = [:]
        for (record, usage, concurrency) in batch {
            let key = UsageKey(record)
            rollups[key, default: UsageRollup()].add(record, usage: usage)
            rollups[key]!.peakConcurrency = max(rollups[key]!.peakConcurrency, concurrency)
        }
        do {
            try await store.record(batch.map(\.0), rollups: rollups)
        } catch {
            logger.error("writing invocation records failed; kept for the next flush", metadata: ["error": "\(error)"])
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
        }
    }

    func prune() async {
        let now = Date()
        _ = try? await store.pruneUsage(
            rawBefore: now.addingTimeInterval(-configuration.rawRetention), rawKeep: configuration.rawKeep,
            minutesBefore: now.addingTimeInterval(-configuration.rollupRetention))
    }
}
