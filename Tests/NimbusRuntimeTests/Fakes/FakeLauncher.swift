import Foundation
import NIOCore
import NimbusCore
import Synchronization

@testable import NimbusRuntime

/// A launcher with no processes: each start waits until the test lets it succeed or fail.
final class FakeLauncher: InstanceLauncher {
    /// A start the test decides.
    struct PendingStart: Sendable {
        let launch: InstanceLaunch
        let instance: FakeInstance
        let continuation: CheckedContinuation<Void, any Error>

        func succeed() { continuation.resume() }
        func fail(_ failure: InstanceStartFailure) { continuation.resume(throwing: failure) }
    }

    let starts: AsyncStream<PendingStart>
    private let newStart: AsyncStream<PendingStart>.Continuation
    let shutdownBegan = Mutex(false)
    private let started = Mutex(0)
    /// How many starts the supervisor asked for.
    var startCount: Int { started.withLock { $0 } }

    init() {
        (starts, newStart) = AsyncStream.makeStream(of: PendingStart.self)
    }

    func start(_ launch: InstanceLaunch) async throws(InstanceStartFailure) -> any RunningInstance {
        started.withLock { $0 += 1 }
        let instance = FakeInstance(id: launch.instanceId, onExit: launch.onExit)
        await launch.registered(instance)
        do {
            try await withCheckedThrowingContinuation { continuation in
                newStart.yield(PendingStart(launch: launch, instance: instance, continuation: continuation))
            }
        } catch let failure as InstanceStartFailure {
            throw failure
        } catch {
            throw .platform(NimbusError(.internalServerError, "\(error)"))
        }
        return instance
    }

    func prepare() async {}
    func beginShutdown() async { shutdownBegan.withLock { $0 = true } }
    func endShutdown() async {}
}

/// An instance that answers each call with its id, or holds calls until the test releases them.
actor FakeInstance: RunningInstance {
    let id: String
    let onExit: @Sendable (String) async -> Void
    private(set) var served: [String] = []
    private(set) var stopReason: String?
    private var holding = false
    private var held: [CheckedContinuation<Void, Never>] = []
    private var callWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    /// The next reply says the instance died (a crash): the supervisor must forget it.
    private var crashNext = false
    private var stopWatchers: [CheckedContinuation<String, Never>] = []

    init(id: String, onExit: @escaping @Sendable (String) async -> Void) {
        self.id = id
        self.onExit = onExit
    }

    func hold() { holding = true }

    func crashOnNextCall() { crashNext = true }

    /// Lets every held call answer; later calls answer at once.
    func release() {
        holding = false
        for call in held { call.resume() }
        held = []
    }

    /// Returns once `count` calls have reached this instance.
    func waitForCalls(_ count: Int) async {
        guard served.count < count else { return }
        await withCheckedContinuation { callWatchers.append((count, $0)) }
    }

    func call(_ call: InstanceCall) async -> InstanceReply {
        served.append(call.requestId)
        for watcher in callWatchers where watcher.count <= served.count { watcher.continuation.resume() }
        callWatchers.removeAll { $0.count <= served.count }
        let died = crashNext
        crashNext = false
        if holding { await withCheckedContinuation { held.append($0) } }
        var reply = InstanceReply(
            status: 200, headers: [], body: ByteBuffer(string: id), errorType: died ? "UnhandledInvocationError" : nil,
            instanceId: id, duration: 0, maxMemoryMB: 0)
        reply.instanceDied = died || stopReason != nil
        return reply
    }

    func stop(reason: String) async {
        stopReason = reason
        release()
        for waiter in stopWatchers { waiter.resume(returning: reason) }
        stopWatchers = []
        await onExit(id)
    }

    /// Why it was stopped, once it is (the supervisor stops instances from a task of their own).
    func waitForStop() async -> String {
        if let stopReason { return stopReason }
        return await withCheckedContinuation { stopWatchers.append($0) }
    }

    var summary: InstanceSummary {
        InstanceSummary(
            id: id, state: stopReason == nil ? "ready" : "stopping", createdAt: Date(), lastUsed: Date(),
            callsServed: served.count, activeCalls: held.count, memoryMB: 0)
    }

    func warmTarget() -> WarmTarget? { nil }
}
