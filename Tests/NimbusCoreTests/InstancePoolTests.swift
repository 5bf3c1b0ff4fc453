import Foundation
import NimbusCore
import Testing

@Suite struct InstancePoolTests {
    let t0 = Date(timeIntervalSince1970: 1000)

    @Test func firstCallStartsAnInstanceAndRunsWhenReady() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 3))
        #expect(pool.arrive(1, now: t0) == [.start(1)])
        #expect(pool.ready(1, now: t0) == [.run(1, on: 1)])
        #expect(pool.finished(on: 1, now: t0) == [])
        #expect(pool.arrive(2, now: t0) == [.run(2, on: 1)], "a warm instance is reused, not restarted")
    }

    @Test func concurrentCallsScaleOutUpToTheCap() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 2))
        #expect(pool.arrive(1, now: t0) == [.start(1)])
        #expect(pool.arrive(2, now: t0) == [.start(2)])
        #expect(pool.arrive(3, now: t0) == [], "at the cap, the call waits")
        #expect(pool.waitingCount == 3)
        #expect(pool.ready(2, now: t0) == [.run(1, on: 2)])
        #expect(pool.ready(1, now: t0) == [.run(2, on: 1)])
        #expect(pool.finished(on: 2, now: t0) == [.run(3, on: 2)], "a freed slot serves the queue")
    }

    @Test func concurrencyFillsAnInstanceBeforeStartingAnother() {
        var pool = InstancePool(limits: .init(concurrency: 3, maximumInstances: 5))
        #expect(pool.arrive(1, now: t0) == [.start(1)])
        #expect(pool.arrive(2, now: t0) == [])
        #expect(pool.arrive(3, now: t0) == [])
        #expect(pool.arrive(4, now: t0) == [.start(2)])
        #expect(pool.ready(1, now: t0) == [.run(1, on: 1), .run(2, on: 1), .run(3, on: 1)])
    }

    @Test func callsGoToTheLeastLoadedInstance() {
        var pool = InstancePool(limits: .init(concurrency: 4, maximumInstances: 2))
        _ = pool.arrive(1, now: t0)
        _ = pool.ready(1, now: t0)
        for call in 2...5 { _ = pool.arrive(call, now: t0) }
        _ = pool.ready(2, now: t0)
        _ = pool.finished(on: 2, now: t0)
        _ = pool.finished(on: 2, now: t0)
        #expect(pool.arrive(9, now: t0) == [.run(9, on: 2)])
    }

    @Test func aClaimTakesAFreeWarmSlotButNeverQueuesOrStarts() {
        var pool = InstancePool(limits: .init(concurrency: 2, maximumInstances: 2))
        #expect(pool.claim() == nil, "no instance: the call takes the slow path, which starts one")
        #expect(pool.instanceCount == 0 && pool.waitingCount == 0)
        _ = pool.arrive(1, now: t0)
        _ = pool.ready(1, now: t0)
        #expect(pool.claim() == 1, "the second slot of the warm instance")
        #expect(pool.claim() == nil, "both slots taken")
        #expect(pool.reap(now: t0.addingTimeInterval(3600), idleTimeout: 1) == [], "a claimed instance is busy")
        #expect(pool.finished(on: 1, now: t0) == [])
        _ = pool.arrive(2, now: t0)  // takes the freed slot
        _ = pool.arrive(3, now: t0)  // queued, starts instance 2
        #expect(pool.claim() == nil, "queued calls go first")
    }

    @Test func aFailedStartFailsTheCallsItWasFor() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 1))
        _ = pool.arrive(1, now: t0)
        _ = pool.arrive(2, now: t0)
        #expect(pool.failedToStart(1) == [.fail([1])])
        #expect(pool.instanceCount == 0)
        #expect(pool.exited(1) == [], "an unknown instance changes nothing")
    }

    @Test func aCrashStartsAReplacementForQueuedCalls() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 1))
        _ = pool.arrive(1, now: t0)
        _ = pool.ready(1, now: t0)
        _ = pool.arrive(2, now: t0)
        #expect(pool.exited(1) == [.start(2)])
    }

    @Test func idleInstancesAreReapedButBusyOnesNever() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 2))
        _ = pool.arrive(1, now: t0)
        _ = pool.arrive(2, now: t0)
        _ = pool.ready(1, now: t0)
        _ = pool.ready(2, now: t0)
        _ = pool.finished(on: 1, now: t0)
        #expect(pool.reap(now: t0.addingTimeInterval(299), idleTimeout: 300) == [])
        #expect(pool.reap(now: t0.addingTimeInterval(301), idleTimeout: 300) == [.stop([1])])
        #expect(pool.instanceCount == 1)
    }

    @Test func cancelledCallsLeaveTheQueue() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 1))
        _ = pool.arrive(1, now: t0)
        let cancelled = pool.cancel(1)
        let cancelledAgain = pool.cancel(1)
        #expect(cancelled)
        #expect(!cancelledAgain)
        #expect(pool.ready(1, now: t0) == [])
    }

    @Test func drainAllStopsEverything() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 1))
        _ = pool.arrive(1, now: t0)
        _ = pool.arrive(2, now: t0)
        #expect(pool.drainAll() == [.fail([1, 2]), .stop([1])])
    }
}

@Suite struct InstancePoolLimitsTests {
    let t0 = Date(timeIntervalSince1970: 1000)

    @Test func thePlatformHeadroomStopsStarts() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 10))
        #expect(pool.arrive(1, now: t0, headroom: 1) == [.start(1)])
        #expect(pool.arrive(2, now: t0, headroom: 0) == [], "no platform capacity: the call waits")
        #expect(pool.startWhatIsNeeded(headroom: 5) == [.start(2)], "capacity freed elsewhere starts it")
    }

    @Test func provisionedInstancesStartWithoutCallsAndAreNeverReaped() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 1))
        #expect(
            pool.update(limits: .init(concurrency: 1, maximumInstances: 1, minimumInstances: 2)) == [
                .start(1), .start(2),
            ])
        _ = pool.ready(1, now: t0)
        _ = pool.ready(2, now: t0)
        #expect(pool.reap(now: t0.addingTimeInterval(10_000), idleTimeout: 1) == [])
        #expect(pool.exited(2) == [.start(3)], "a provisioned instance that dies is replaced")
        _ = pool.ready(3, now: t0)
        #expect(pool.update(limits: .init(concurrency: 1, maximumInstances: 1, minimumInstances: 1)) == [])
        #expect(pool.reap(now: t0.addingTimeInterval(10_000), idleTimeout: 1) == [.stop([1])])
        #expect(pool.instanceCount == 1)
    }

    @Test func theOnDemandCapBoundsScaleOut() {
        var pool = InstancePool(limits: .init(concurrency: 1, maximumInstances: 2))
        _ = pool.arrive(1, now: t0)
        _ = pool.arrive(2, now: t0)
        #expect(pool.arrive(3, now: t0) == [])
        #expect(pool.update(limits: .init(concurrency: 1, maximumInstances: 3)) == [.start(3)])
    }
}

@Suite struct SpawnGateTests {
    @Test func startsPastTheLimitWaitTheirTurnInOrder() {
        var gate = SpawnGate(limit: 2)
        let entered = [1, 2, 3, 4].map { gate.enter($0) }
        #expect(entered == [true, true, false, false], "two are starting: the rest wait")
        #expect(gate.waitingCount == 2 && gate.running == 2)
        let next = gate.leave()
        #expect(next == 3, "a finished start hands its place to the oldest waiting")
        #expect(gate.running == 2)
        let after = [gate.leave(), gate.leave(), gate.leave()]
        #expect(after == [4, nil, nil])
        #expect(gate.running == 0)
        let again = gate.enter(5)
        #expect(again, "free again")
    }

    @Test func shutdownReleasesEveryWaitingStart() {
        var gate = SpawnGate(limit: 1)
        _ = [1, 2, 3].map { gate.enter($0) }
        let drained = gate.drain()
        #expect(drained == [2, 3])
        #expect(gate.waitingCount == 0)
        #expect(SpawnGate(limit: 0).limit == 1, "at least one start at a time")
    }
}
