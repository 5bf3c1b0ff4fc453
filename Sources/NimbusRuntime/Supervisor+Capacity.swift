import Foundation
import NimbusCore

extension Supervisor {
    /// Instances the platform may still start (its cap minus everything running or starting).
    var headroom: Int {
        configuration.maximumInstances - pools.sum(\.pool.instanceCount)
    }

    /// Instances a pool may still start: the platform's headroom, and under a reserved concurrency (FC
    /// 3.0's, one cap for all versions of a function) what the function's pools leave of it.
    func headroom(for key: PoolKey) -> Int {
        let platform = headroom
        guard let entry = pools[key], let reserved = entry.deployment.reservedConcurrency else { return platform }
        let perInstance = max(1, entry.deployment.contract.function.spec.instanceConcurrency ?? 1)
        let running = pools.sum { other, entry in
            other.service == key.service && other.function == key.function ? entry.pool.instanceCount : 0
        }
        return min(platform, reserved / perInstance - running)
    }

    /// The cap on a deployment's on-demand instances and where it is set (see ``InstanceCap``).
    func cap(for deployment: Deployment) -> InstanceCap {
        InstanceCap(
            onDemand: deployment.maximumInstances, perFunction: configuration.maximumInstancesPerFunction,
            platform: configuration.maximumInstances)
    }

    /// The pool of a deployment, created or brought up to date with its limits.
    /// `minimum` is the provisioned target; nil keeps the current one.
    @discardableResult
    func ensurePool(for deployment: Deployment, minimum: Int?) -> PoolKey {
        let key = deployment.key
        retireOlderGenerations(of: key)
        let spec = deployment.contract.function.spec
        let limits = InstancePool.Limits(
            concurrency: spec.instanceConcurrency ?? 1,
            maximumInstances: cap(for: deployment).limit,
            minimumInstances: minimum ?? pools[key]?.pool.limits.minimumInstances ?? 0)
        if pools[key] == nil {
            var initial = limits
            initial.minimumInstances = 0  // so the update below starts the provisioned ones
            pools.insert(PoolEntry(pool: InstancePool(limits: initial), deployment: deployment), for: key)
        }
        let room = headroom(for: key)
        pools.decide(key) { entry in
            entry.pool.limits == limits ? [] : entry.pool.update(limits: limits, headroom: room)
        }
        carryOutDecisions()
        return key
    }

    /// After capacity was freed: pools with queued calls or missing provisioned instances start them.
    func startWhereNeeded() {
        for key in pools.snapshot.keys.sorted(by: { $0.function < $1.function }) {
            let room = headroom(for: key)
            pools.decide(key) { entry -> [InstancePool.Action] in
                let pool = entry.pool
                guard !entry.retired, pool.waitingCount > 0 || pool.instanceCount < pool.limits.minimumInstances
                else { return [] }
                return entry.pool.startWhatIsNeeded(headroom: room)
            }
        }
        carryOutDecisions()
    }

    /// Keeps provisioned instances at their targets; functions no longer listed drop to zero.
    package func reconcileProvisioned(_ targets: [(Deployment, Int)]) {
        var wanted: Set<PoolKey> = []
        for (deployment, target) in targets where target > 0 {
            wanted.insert(ensurePool(for: deployment, minimum: target))
        }
        for key in pools.snapshot.keys where !wanted.contains(key) {
            let room = headroom(for: key)
            pools.decide(key) { entry -> [InstancePool.Action] in
                guard entry.pool.limits.minimumInstances > 0 else { return [] }
                var limits = entry.pool.limits
                limits.minimumInstances = 0
                return entry.pool.update(limits: limits, headroom: room)
            }
        }
        carryOutDecisions()
    }

    /// Provisioned instances running now for a function at a version (`current` of its provision config).
    package func provisionedCount(service: String, version: String, function: String) -> Int {
        pools.snapshot.first { key, entry in
            key.service == service && key.function == function && key.version == version && !entry.retired
        }.map { min($0.value.pool.readyCount, $0.value.pool.limits.minimumInstances) } ?? 0
    }
}
