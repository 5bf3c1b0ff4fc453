import Foundation
import Logging
import NimbusCore
import ServiceLifecycle

extension Supervisor {
    /// Carries out the pools' queued decisions, oldest first, whichever thread made them (the lane
    /// decides without the actor). What the actions decide in turn joins the queue and is carried
    /// out in the same pass, after what was decided before it.
    func carryOutDecisions() {
        guard !carryingOut else { return }  // called from an action: the loop below takes its decisions
        carryingOut = true
        defer { carryingOut = false }
        while case let decisions = pools.takeDecisions(), !decisions.isEmpty {
            for decision in decisions { carryOut(decision.actions, key: decision.key) }
        }
    }

    private func carryOut(_ actions: [InstancePool.Action], key: PoolKey) {
        for action in actions {
            switch action {
            case .start(let id):
                startInstance(id, key: key)
            case .run(let call, let id):
                guard let instance = pools[key]?.instances[id] else {
                    // Its instance exited after the pool chose it: the call goes back to the pool, with
                    // a new queue deadline (the old sleeper may have fired while the call was not queued).
                    guard waiters[call] != nil else { continue }
                    let room = headroom(for: key)
                    pools.decide(key) { $0.pool.arrive(call, now: clock.now, headroom: room) }
                    queueTimers.removeValue(forKey: call)?.cancel()
                    scheduleQueueTimeout(call, key: key)
                    continue
                }
                takeWaiter(call)?.resume(returning: (id, instance))
            case .fail(let calls):
                let failure: any Error =
                    pools[key]?.lastStartFailure
                    ?? InstanceStartFailure.platform(NimbusError(.instanceExited, "the instance failed to start"))
                for call in calls { takeWaiter(call)?.resume(throwing: failure) }
            case .stop(let ids):
                let reason =
                    pools[key]?.retired == true
                    ? "retired: a newer configuration serves its calls" : "idle for \(configuration.idleTimeout) s"
                for id in ids {
                    let removed = pools.update(key) { entry in
                        entry.targets[id] = nil
                        return entry.instances.removeValue(forKey: id)
                    }
                    guard let instance = removed ?? nil else { continue }
                    // A stop waits out its grace period; the pool goes on deciding meanwhile.
                    Task { await instance.stop(reason: reason) }
                }
                startWhereNeeded()
            }
        }
    }

    private func startInstance(_ id: InstancePool.InstanceID, key: PoolKey) {
        guard let deployment = pools[key]?.deployment else { return }
        let launch = InstanceLaunch(
            deployment: deployment, instanceId: "\(key.function)-\(UUID().uuidString.prefix(8).lowercased())",
            requestId: RequestID.make(), reason: coldStartReason(key),
            registered: { [weak self] instance in await self?.register(instance, id, key: key) },
            onExit: { [weak self] _ in await self?.instanceExited(id, key: key) })
        // A start takes tens of ms; the actor serves other calls meanwhile and hears of it when it is done.
        Task {
            do throws(InstanceStartFailure) {
                let instance = try await launcher.start(launch)
                self.instanceReady(id, key: key, target: await instance.warmTarget())
            } catch {
                self.instanceFailedToStart(id, key: key, failure: error)
            }
        }
    }

    /// Why a new instance is needed, for its cold-start record.
    private func coldStartReason(_ key: PoolKey) -> String {
        guard let entry = pools[key] else { return "first-call" }
        defer {
            pools.update(key) { $0.startedInstances += 1 }
            seenFunctions.insert(key.function + "/" + key.service + "/" + key.version)
        }
        if entry.pool.waitingCount == 0 { return "provisioned" }
        if entry.pool.instanceCount > 1 { return "scale-out" }
        if entry.startedInstances > 0 { return "after-idle-reclaim" }
        if seenFunctions.contains(key.function + "/" + key.service + "/" + key.version) { return "after-redeploy" }
        return "first-call"
    }

    private func register(_ instance: any RunningInstance, _ id: InstancePool.InstanceID, key: PoolKey) {
        pools.update(key) { $0.instances[id] = instance }
    }

    private func instanceReady(_ id: InstancePool.InstanceID, key: PoolKey, target: WarmTarget?) {
        pools.decide(key) { entry in
            entry.targets[id] = target
            return entry.pool.ready(id, now: clock.now)
        }
        carryOutDecisions()
    }

    private func instanceFailedToStart(_ id: InstancePool.InstanceID, key: PoolKey, failure: InstanceStartFailure) {
        let decided = pools.decide(key) { entry in
            entry.instances[id] = nil
            entry.targets[id] = nil
            entry.lastStartFailure = failure
            return entry.pool.failedToStart(id)
        }
        guard decided != nil else { return }
        if case .platform(let error) = failure {
            logger.warning(
                "instance failed to start", metadata: ["function.name": .string(key.function), "error": "\(error)"])
        }
        carryOutDecisions()
    }

    private func instanceExited(_ id: InstancePool.InstanceID, key: PoolKey) {
        let room = headroom(for: key)
        let decided = pools.decide(key) { entry in
            entry.instances[id] = nil
            entry.targets[id] = nil
            return entry.pool.exited(id, headroom: room)
        }
        guard decided != nil else { return }
        startWhereNeeded()
    }

    /// Stops idle instances; retired configurations go as soon as they are idle.
    func reap(now: Date) {
        let idleTimeout = configuration.idleTimeout
        for key in pools.snapshot.keys {
            pools.decide(key) { entry in
                entry.pool.reap(now: now, idleTimeout: entry.retired ? 0 : idleTimeout)
            }
            carryOutDecisions()
            pools.remove(key) { $0.retired && $0.pool.instanceCount == 0 && $0.pool.waitingCount == 0 }
        }
    }

    /// Stops every instance and fails queued calls; returns when all processes are gone.
    package func shutdown() async {
        shuttingDown = true
        var stopping: [any RunningInstance] = []
        for key in pools.snapshot.keys {
            stopping +=
                pools.update(key) { entry in
                    let instances = Array(entry.instances.values)
                    _ = entry.pool.drainAll()
                    entry.instances = [:]
                    entry.targets = [:]
                    return instances
                } ?? []
        }
        for waiter in waiters.values {
            waiter.resume(throwing: NimbusError(.resourceExhausted, "Nimbus is shutting down"))
        }
        waiters = [:]
        for timer in queueTimers.values { timer.cancel() }
        queueTimers = [:]
        await launcher.beginShutdown()
        await withTaskGroup(of: Void.self) { group in
            for instance in stopping { group.addTask { await instance.stop(reason: "Nimbus is shutting down") } }
        }
        await launcher.endShutdown()
        await logs.closeAll()
    }

    /// Runs the idle reaper until graceful shutdown, then stops everything.
    package func run() async throws {
        let interval = max(0.2, min(1, configuration.idleTimeout / 4))
        await launcher.prepare()
        // The sleep ends as soon as a graceful shutdown starts, so stopping never waits a whole interval.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await self.clock.sleep(for: .seconds(interval))
                await self.reap(now: self.clock.now)
                if let source = await self.provisionSource { await self.reconcileProvisioned(await source()) }
            }
        }
        await shutdown()
    }

    /// What runs now, for `list_instances` and tests.
    package func instances(service: String, function: String) async -> [InstanceSummary] {
        var result: [InstanceSummary] = []
        for (key, entry) in pools.snapshot where key.service == service && key.function == function {
            for instance in entry.instances.values {
                var summary = await instance.summary
                summary.versionId = key.version
                result.append(summary)
            }
        }
        return result.sorted { $0.createdAt < $1.createdAt }
    }

    /// Live instances counted per function and state, for `nimbus_instances`.
    package func instanceCounts() async -> [(service: String, function: String, state: String, count: Int)] {
        var counts: [[String]: Int] = [:]
        for (key, entry) in pools.snapshot {
            for instance in entry.instances.values {
                counts[[key.service, key.function, await instance.summary.state], default: 0] += 1
            }
        }
        return counts.map { (service: $0.key[0], function: $0.key[1], state: $0.key[2], count: $0.value) }
    }
}
