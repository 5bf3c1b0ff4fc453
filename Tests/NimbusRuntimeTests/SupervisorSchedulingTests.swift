import Foundation
import Logging
import NIOCore
import NimbusCore
import Synchronization
import Testing

@testable import NimbusRuntime

/// The supervisor's scheduling with a fake launcher and a manual clock: no process, no sleep.
@Suite(.timeLimit(.minutes(1))) struct SupervisorSchedulingTests {
    struct Harness {
        let supervisor: Supervisor
        let launcher = FakeLauncher()
        let clock = ManualClock()
        var starts: AsyncStream<FakeLauncher.PendingStart>.Iterator

        init(configure: (inout RuntimeConfiguration) -> Void = { _ in }) {
            var configuration = RuntimeConfiguration()
            configuration.idleTimeout = 300
            configuration.queueTimeout = 30
            configure(&configuration)
            let logger = Logger(label: "test")
            let logs = FunctionLogs(
                root: FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID())"))
            supervisor = Supervisor(
                configuration: configuration, logs: logs, logger: logger, client: InstanceClient(logger: logger),
                launcher: launcher, clock: clock)
            starts = launcher.starts.makeAsyncIterator()
        }

        /// The next start the supervisor asked for.
        mutating func nextStart() async throws -> FakeLauncher.PendingStart {
            try #require(await starts.next())
        }

        func invoke(_ deployment: Deployment) -> Task<InstanceReply, any Error> {
            let supervisor = supervisor
            return Task {
                try await supervisor.invoke(
                    deployment,
                    InstanceCall(requestId: UUID().uuidString, kind: .event(ByteBuffer()), wantsLogTail: false))
            }
        }

        /// A first call, running and held on a fresh instance, and that instance's start.
        mutating func heldCall(
            _ deployment: Deployment
        ) async throws -> (Task<InstanceReply, any Error>, FakeLauncher.PendingStart) {
            let call = invoke(deployment)
            let start = try await nextStart()
            await start.instance.hold()
            start.succeed()
            await start.instance.waitForCalls(1)
            return (call, start)
        }

        func instanceIds(_ deployment: Deployment) async -> [String] {
            await supervisor.instances(
                service: deployment.contract.service.name, function: deployment.contract.function.name
            ).map(\.id)
        }
    }

    static func deployment(etag: String = "e1", concurrency: Int = 1, maximumInstances: Int? = nil) -> Deployment {
        Deployment.forTests(
            runtime: "python3", etag: etag, codeDirectory: URL(fileURLWithPath: "/nonexistent"),
            maximumInstances: maximumInstances
        ) { $0.instanceConcurrency = concurrency }
    }

    static func answeredBy(_ task: Task<InstanceReply, any Error>) async throws -> String {
        String(buffer: try await task.value.body)
    }

    @Test func queuedCallsBeyondTheStartingCapacityScaleOut() async throws {
        var harness = Harness()
        let deployment = Self.deployment()
        let calls = (0..<3).map { _ in harness.invoke(deployment) }
        let starts = [try await harness.nextStart(), try await harness.nextStart(), try await harness.nextStart()]
        #expect(starts.map(\.launch.reason) == ["first-call", "scale-out", "scale-out"])
        for start in starts { start.succeed() }
        var answeredBy: Set<String> = []
        for call in calls { answeredBy.insert(try await Self.answeredBy(call)) }
        #expect(answeredBy == Set(starts.map(\.instance.id)))
    }

    @Test func anInstanceServingTwoCallsAtOnceTakesTheSecondWithoutAStart() async throws {
        var harness = Harness()
        let deployment = Self.deployment(concurrency: 2)
        let (first, start) = try await harness.heldCall(deployment)
        let second = harness.invoke(deployment)
        await start.instance.waitForCalls(2)
        await start.instance.release()
        #expect(try await Self.answeredBy(first) == start.instance.id)
        #expect(try await Self.answeredBy(second) == start.instance.id)
        #expect(await harness.instanceIds(deployment) == [start.instance.id])
    }

    /// At its cap a function's calls queue; one waiting past the queue timeout gets 429 naming the cap,
    /// and one still waiting when a slot frees runs there.
    @Test func queuedCallsRunWhenASlotFreesOrTimeOut() async throws {
        var harness = Harness()
        let deployment = Self.deployment(maximumInstances: 1)
        let (first, start) = try await harness.heldCall(deployment)

        let timedOut = harness.invoke(deployment)
        await harness.clock.waitForSleepers(1)
        harness.clock.advance(by: 30)
        await #expect {
            try await timedOut.value
        } throws: { error in
            let message = (error as? NimbusError)?.message ?? ""
            return (error as? NimbusError)?.code == .resourceExhausted && message.contains("maximumInstanceCount")
        }

        let queued = harness.invoke(deployment)
        await harness.clock.waitForSleepers(1)
        await start.instance.release()
        #expect(try await Self.answeredBy(first) == start.instance.id)
        #expect(try await Self.answeredBy(queued) == start.instance.id)
        #expect(harness.clock.sleeperCount == 0, "the queued call's deadline is cancelled when it runs")
    }

    /// FC 3.0's reserved concurrency caps the function as a whole: instances of two versions count together.
    @Test func aReservedConcurrencyCapsAllVersionsTogether() async throws {
        var harness = Harness()
        var latest = Self.deployment()
        latest.reservedConcurrency = 2
        var version1 = latest
        version1.contract.versionId = "1"
        let (first, start1) = try await harness.heldCall(latest)
        let (second, start2) = try await harness.heldCall(version1)

        let third = harness.invoke(latest)
        await harness.clock.waitForSleepers(1)
        #expect(harness.launcher.startCount == 2, "a third instance would exceed the reserved concurrency")
        harness.clock.advance(by: 30)
        await #expect {
            try await third.value
        } throws: { error in
            (error as? NimbusError)?.message.contains("reservedConcurrency of 2") == true
        }
        await start1.instance.release()
        await start2.instance.release()
        _ = try await (first.value, second.value)
    }

    @Test func idleInstancesAreReapedAfterTheIdleTimeoutOnly() async throws {
        var harness = Harness()
        let deployment = Self.deployment()
        let call = harness.invoke(deployment)
        let start = try await harness.nextStart()
        start.succeed()
        _ = try await call.value
        harness.clock.advance(by: 299)
        await harness.supervisor.reap(now: harness.clock.now)
        #expect(await harness.instanceIds(deployment) == [start.instance.id])
        harness.clock.advance(by: 1)
        await harness.supervisor.reap(now: harness.clock.now)
        #expect(await harness.instanceIds(deployment) == [])
        #expect(await start.instance.waitForStop() == "idle for 300.0 s")
        // The next call is a cold start again, and says why.
        let again = harness.invoke(deployment)
        let restart = try await harness.nextStart()
        #expect(restart.launch.reason == "after-idle-reclaim")
        restart.succeed()
        #expect(try await Self.answeredBy(again) == restart.instance.id)
    }

    @Test func aNewConfigurationRetiresTheOldInstancesAtTheNextReap() async throws {
        var harness = Harness()
        let old = Self.deployment(etag: "e1")
        let call = harness.invoke(old)
        let first = try await harness.nextStart()
        first.succeed()
        _ = try await call.value
        let new = Self.deployment(etag: "e2")
        let newCall = harness.invoke(new)
        let second = try await harness.nextStart()
        second.succeed()
        #expect(try await Self.answeredBy(newCall) == second.instance.id)
        await harness.supervisor.reap(now: harness.clock.now)
        #expect(await harness.instanceIds(new) == [second.instance.id])
        #expect(await first.instance.waitForStop() == "retired: a newer configuration serves its calls")
        #expect(await second.instance.stopReason == nil)
    }

    @Test func aFailedStartFailsTheCallItWasStartedFor() async throws {
        var harness = Harness()
        let deployment = Self.deployment()
        let call = harness.invoke(deployment)
        try await harness.nextStart().fail(.platform(NimbusError(.instanceExited, "the runtime is missing")))
        await #expect {
            try await call.value
        } throws: { error in
            (error as? NimbusError)?.message == "the runtime is missing"
        }
        #expect(await harness.instanceIds(deployment) == [])
    }

    /// A call that kills its instance (a crash): the instance is forgotten and the next call starts another.
    @Test func aCrashedInstanceIsReplacedOnTheNextCall() async throws {
        var harness = Harness()
        let deployment = Self.deployment()
        let call = harness.invoke(deployment)
        let first = try await harness.nextStart()
        await first.instance.crashOnNextCall()
        first.succeed()
        #expect(try await call.value.instanceDied)
        #expect(await harness.instanceIds(deployment) == [])
        let next = harness.invoke(deployment)
        let second = try await harness.nextStart()
        second.succeed()
        #expect(try await Self.answeredBy(next) == second.instance.id)
    }

    @Test func shutdownFailsQueuedCallsStopsInstancesAndRefusesNewCalls() async throws {
        var harness = Harness()
        let deployment = Self.deployment(maximumInstances: 1)
        let (running, start) = try await harness.heldCall(deployment)
        let queued = harness.invoke(deployment)
        await harness.clock.waitForSleepers(1)

        await harness.supervisor.shutdown()
        await #expect {
            try await queued.value
        } throws: { error in
            (error as? NimbusError)?.message == "Nimbus is shutting down"
        }
        #expect(await start.instance.stopReason == "Nimbus is shutting down")
        #expect(try await running.value.instanceDied, "the call in flight ends with its instance")
        #expect(harness.launcher.shutdownBegan.withLock { $0 })
        await #expect(throws: NimbusError.self) { try await harness.invoke(deployment).value }
    }
}
