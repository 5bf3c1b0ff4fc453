import Foundation
import NimbusCore
import Synchronization

/// Every function's pool, behind one lock, so the warm lane can claim a free slot on a ready
/// instance from an event loop without a hop to the ``Supervisor`` actor. Every change to a pool,
/// by the actor or by the lane, goes through `update`, so the pool stays the one place that knows
/// which slots are busy (an instance with a claimed slot is never reaped).
final class PoolTable: Sendable {
    private let entries = Mutex<[Supervisor.PoolKey: Supervisor.PoolEntry]>([:])

    /// Changes one pool under the lock; nil when there is no such pool.
    func update<T>(_ key: Supervisor.PoolKey, _ body: (inout Supervisor.PoolEntry) -> T) -> T? {
        entries.withLock { entries in
            guard entries[key] != nil else { return nil }
            return body(&entries[key]!)
        }
    }

    subscript(key: Supervisor.PoolKey) -> Supervisor.PoolEntry? {
        get { entries.withLock { $0[key] } }
    }

    func insert(_ entry: Supervisor.PoolEntry, for key: Supervisor.PoolKey) {
        entries.withLock { $0[key] = entry }
    }

    /// Drops a pool when `condition` holds, checked under the same lock.
    func remove(_ key: Supervisor.PoolKey, if condition: (Supervisor.PoolEntry) -> Bool) {
        entries.withLock { entries in
            if let entry = entries[key], condition(entry) { entries[key] = nil }
        }
    }

    /// A copy of every pool, to read without holding the lock.
    var snapshot: [Supervisor.PoolKey: Supervisor.PoolEntry] { entries.withLock { $0 } }

    /// Instances running or starting, across all pools.
    var instanceCount: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.pool.instanceCount } } }
}
