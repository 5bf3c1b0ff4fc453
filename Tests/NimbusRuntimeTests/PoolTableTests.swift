import Foundation
import NimbusCore
import Synchronization
import Testing

@testable import NimbusRuntime

/// The pools' table: decisions made on any thread are carried out in the order they were made.
struct PoolTableTests {
    /// One ready instance serving one call at a time, with calls 2...`queued + 1` waiting behind call 1.
    static func busyPool(queued: Int) -> PoolTable<String, InstancePool> {
        let table = PoolTable<String, InstancePool>()
        table.insert(InstancePool(limits: .init(concurrency: 1, maximumInstances: 1)), for: "fn")
        table.decide("fn") { $0.arrive(1, now: Date()) }
        table.decide("fn") { $0.ready(1, now: Date()) }
        for call in 2...(queued + 1) { table.decide("fn") { $0.arrive(call, now: Date()) } }
        _ = table.takeDecisions()
        return table
    }

    @Test func theFirstDecisionInAnEmptyQueueIsTheOneToCarryOut() {
        let table = Self.busyPool(queued: 2)
        #expect(table.decide("other") { _ in [.start(1)] } == nil)
        #expect(table.decide("fn") { _ in [] } == false)
        #expect(table.decide("fn") { $0.finished(on: 1, now: Date()) } == true)
        #expect(table.decide("fn") { $0.finished(on: 1, now: Date()) } == false)
        #expect(table.takeDecisions().map(\.actions) == [[.run(2, on: 1)], [.run(3, on: 1)]])
        #expect(table.takeDecisions().isEmpty)
    }

    /// Calls finishing on many threads at once (the lane's event loops) hand the slot to the queued
    /// calls in their queue order, and no decision is left behind by the one-drain-per-empty-queue rule.
    @Test func decisionsFromManyThreadsAreCarriedOutInTheOrderMade() async {
        let queued = 400
        let table = Self.busyPool(queued: queued)
        let owner = Owner(table)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<queued {
                group.addTask {
                    if table.decide("fn", { $0.finished(on: 1, now: Date()) }) == true { owner.carryOut() }
                }
            }
        }
        #expect(table.takeDecisions().isEmpty)
        #expect(owner.carriedOut.withLock { $0 } == (2...(queued + 1)).map { .run($0, on: 1) })
    }

    /// The one owner's pass: serial, as the supervisor actor's is.
    final class Owner: Sendable {
        let table: PoolTable<String, InstancePool>
        let carriedOut = Mutex<[InstancePool.Action]>([])

        init(_ table: PoolTable<String, InstancePool>) { self.table = table }

        func carryOut() {
            carriedOut.withLock { done in
                while case let decisions = table.takeDecisions(), !decisions.isEmpty {
                    done += decisions.flatMap(\.actions)
                }
            }
        }
    }
}
