import Foundation
import Logging
import NIOCore
import NimbusCore
import ServiceLifecycle

/// Owns every function instance: starts them on demand, routes calls through each function's
/// ``InstancePool``, reaps idle ones, and stops them all at shutdown.
///
/// Decisions come from the pool (a value type); this actor only carries them out.
package actor Supervisor: Service {
    struct PoolKey: Hashable, Sendable {
        var service: String
        var function: String
        /// `LATEST` or a version id: instances of different versions never share a pool.
        var version: String
        var generation: String
    }

    struct PoolEntry {
        var pool: InstancePool
        var deployment: Deployment
        var instances: [InstancePool.InstanceID: any RunningInstance] = [:]
        /// What the warm lane needs to call each ready instance without the actors.
        var targets: [InstancePool.InstanceID: WarmTarget] = [:]
        var retired = false
        /// Instances this pool has started, to tell a reclaim from a first call.
        var startedInstances = 0
        /// Why the last start failed, handed to the calls that fail because of it.
        var lastStartFailure: InstanceStartFailure?
    }

    let configuration: RuntimeConfiguration
    /// The one client every exchange with an instance goes through, on either path.
    let client: InstanceClient
    package let logs: FunctionLogs
    let logger: Logger
    let pools = PoolTable<PoolKey, PoolEntry>()
    /// Set while ``carryOutDecisions()`` runs, so decisions made by its actions join its loop.
    var carryingOut = false
    /// Calls waiting for an instance; resumed with the instance and its id in the pool.
    var waiters: [InstancePool.CallID: CheckedContinuation<(InstancePool.InstanceID, any RunningInstance), any Error>] =
        [:]
    /// Each queued call's queue-timeout sleeper, cancelled as soon as the call leaves the queue.
    var queueTimers: [InstancePool.CallID: Task<Void, Never>] = [:]
    var nextCall = 1
    var shuttingDown = false
    /// Functions that have had instances, to tell a redeploy from a first call.
    var seenFunctions: Set<String> = []
    /// How instances come to be (processes, in production).
    let launcher: any InstanceLauncher
    /// The time pools are told and queue deadlines sleep on.
    let clock: any NimbusClock
    /// Lists provisioned targets; the supervisor keeps them running (set once at start).
    var provisionSource: (@Sendable () async -> [(Deployment, Int)])?

    package func setProvisionSource(_ source: @escaping @Sendable () async -> [(Deployment, Int)]) {
        provisionSource = source
    }

    package init(
        configuration: RuntimeConfiguration, logs: FunctionLogs, logger: Logger, client: InstanceClient? = nil
    ) {
        let client = client ?? InstanceClient(logger: logger)
        self.init(
            configuration: configuration, logs: logs, logger: logger, client: client,
            launcher: ProcessLauncher(configuration: configuration, client: client, logs: logs, logger: logger),
            clock: SystemClock())
    }

    /// With the seams given: the tests' launcher and clock.
    init(
        configuration: RuntimeConfiguration, logs: FunctionLogs, logger: Logger, client: InstanceClient,
        launcher: any InstanceLauncher, clock: any NimbusClock
    ) {
        self.configuration = configuration
        self.logs = logs
        self.logger = logger
        self.client = client
        self.launcher = launcher
        self.clock = clock
    }

    /// Runs a call on an instance of the deployment, starting one if none is free.
    package func invoke(_ deployment: Deployment, _ call: InstanceCall) async throws(NimbusError) -> InstanceReply {
        guard !shuttingDown else { throw NimbusError(.resourceExhausted, "Nimbus is shutting down") }
        let key = deployment.key
        ensurePool(for: deployment, minimum: nil)
        let callID = nextCall
        nextCall += 1
        let id: InstancePool.InstanceID
        let instance: any RunningInstance
        do {
            (id, instance) = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    waiters[callID] = continuation
                    let room = headroom(for: key)
                    pools.decide(key) { $0.pool.arrive(callID, now: clock.now, headroom: room) }
                    carryOutDecisions()
                    if waiters[callID] != nil { scheduleQueueTimeout(callID, key: key) }
                }
            } onCancel: {
                // A cancellation handler is synchronous: the actor is reached from a task.
                Task { await self.abandon(callID, key: key) }
            }
        } catch let failure as InstanceStartFailure {
            switch failure {
            case .platform(let error): throw error
            case .initializer(var reply):
                reply.logTail = nil
                return reply
            }
        } catch let error as NimbusError {
            throw error
        } catch {
            throw NimbusError(.internalServerError, "\(error)")
        }
        let reply = await instance.call(call)
        callEnded(on: id, key: key, died: reply.instanceDied)
        return reply
    }

    /// A call left its instance: the slot serves the next queued call, or the instance is gone.
    func callEnded(on id: InstancePool.InstanceID, key: PoolKey, died: Bool) {
        let room = headroom(for: key)
        // the pool may be gone if its instance died and it was retired meanwhile
        let decided = pools.decide(key) { entry in
            guard died else { return entry.pool.finished(on: id, now: clock.now) }
            entry.instances[id] = nil
            entry.targets[id] = nil
            return entry.pool.exited(id, headroom: room)
        }
        guard decided != nil else { return }
        if died { startWhereNeeded() }
        carryOutDecisions()
    }

    func scheduleQueueTimeout(_ call: InstancePool.CallID, key: PoolKey) {
        let wait = configuration.queueTimeout
        // One sleeper per queued call, cancelled as soon as the call leaves the queue (queueTimers).
        queueTimers[call] = Task {
            do {
                try await clock.sleep(for: .seconds(wait))
            } catch {
                return  // the call left the queue first
            }
            self.expire(call, key: key)
        }
    }

    /// A queued call leaves the queue: its continuation, with its timeout sleeper stopped.
    func takeWaiter(_ call: InstancePool.CallID) -> CheckedContinuation<
        (InstancePool.InstanceID, any RunningInstance), any Error
    >? {
        queueTimers.removeValue(forKey: call)?.cancel()
        return waiters.removeValue(forKey: call)
    }

    /// A waiting call's task was cancelled (an async event stopped): it leaves the queue without an instance.
    private func abandon(_ call: InstancePool.CallID, key: PoolKey) {
        guard pools.update(key, { $0.pool.cancel(call) }) == true, let waiter = takeWaiter(call)
        else { return }
        waiter.resume(throwing: NimbusError(.resourceExhausted, "the call was cancelled while it waited"))
    }

    /// A queued call waited too long: 429, naming the cap that was full and how to raise it.
    private func expire(_ call: InstancePool.CallID, key: PoolKey) {
        guard let entry = pools[key], pools.update(key, { $0.pool.cancel(call) }) == true,
            let waiter = takeWaiter(call)
        else { return }
        var message = cap(for: entry.deployment).throttleMessage(
            function: key.function, waited: Int(configuration.queueTimeout), instances: entry.pool.instanceCount,
            platformInstances: pools.sum(\.pool.instanceCount), platformLimit: configuration.maximumInstances)
        if let reserved = entry.deployment.reservedConcurrency, headroom(for: key) <= 0, headroom > 0 {
            message +=
                "; the function's reservedConcurrency of \(reserved) is in use by all its versions "
                + "(raise it with PutConcurrencyConfig)"
        }
        waiter.resume(throwing: NimbusError(.resourceExhausted, message))
    }

    /// An older configuration of a function stops taking calls; its idle instances go at the next reap.
    func retireOlderGenerations(of key: PoolKey) {
        for other in pools.snapshot.keys
        where other.service == key.service && other.function == key.function && other.version == key.version
            && other.generation != key.generation
        {
            pools.update(other) { $0.retired = true }
        }
    }
}

extension Deployment {
    /// Its pool: instances of one function configuration (service and function ETags) and version.
    var key: Supervisor.PoolKey {
        Supervisor.PoolKey(
            service: contract.service.name, function: contract.function.name, version: contract.versionId,
            generation: contract.service.meta.etag + "/" + contract.function.meta.etag)
    }
}
