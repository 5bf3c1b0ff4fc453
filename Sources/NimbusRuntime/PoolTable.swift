import Foundation
import NimbusCore
import Synchronization

/// Every function's pool, behind one lock, so the warm lane can claim a free slot on a ready
/// instance from an event loop without a hop to the ``Supervisor`` actor. Every change to a pool,
/// by the actor or by the lane, goes through `update` or `decide`, so the pool stays the one place
/// that knows which slots are busy (an instance with a claimed slot is never reaped).
///
/// What a pool decides (``InstancePool/Action``) joins one queue under the same lock, so the
/// decisions are carried out in the order they were made, by one owner (the supervisor, through
/// `takeDecisions`), whichever thread made them.
final class PoolTable<Key: Hashable & Sendable, Entry: Sendable>: Sendable {
    struct Decision: Sendable {
        var key: Key
        var actions: [InstancePool.Action]
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var decisions: [Decision] = []
    }

    private let state = Mutex(State())

    /// Changes one pool under the lock; nil when there is no such pool.
    func update<T>(_ key: Key, _ body: (inout Entry) -> T) -> T? {
        state.withLock { state in
            guard state.entries[key] != nil else { return nil }
            return body(&state.entries[key]!)
        }
    }

    /// Changes one pool and queues what it decided, under one lock. True when the decision is the
    /// first in an empty queue: the caller must see the queue carried out (it is the one who knows
    /// there is work); false when there was nothing to do or the queue already had work waiting
    /// (whoever queued that carries this out too); nil when there is no such pool.
    @discardableResult
    func decide(_ key: Key, _ body: (inout Entry) -> [InstancePool.Action]) -> Bool? {
        state.withLock { state in
            guard state.entries[key] != nil else { return nil }
            let actions = body(&state.entries[key]!)
            guard !actions.isEmpty else { return false }
            state.decisions.append(Decision(key: key, actions: actions))
            return state.decisions.count == 1
        }
    }

    /// Takes the queued decisions, oldest first.
    func takeDecisions() -> [Decision] {
        state.withLock { state in
            defer { state.decisions = [] }
            return state.decisions
        }
    }

    subscript(key: Key) -> Entry? {
        get { state.withLock { $0.entries[key] } }
    }

    func insert(_ entry: Entry, for key: Key) {
        state.withLock { $0.entries[key] = entry }
    }

    /// Drops a pool when `condition` holds, checked under the same lock.
    func remove(_ key: Key, if condition: (Entry) -> Bool) {
        state.withLock { state in
            if let entry = state.entries[key], condition(entry) { state.entries[key] = nil }
        }
    }

    /// A copy of every pool, to read without holding the lock.
    var snapshot: [Key: Entry] { state.withLock { $0.entries } }

    /// Adds up something over every pool under the lock (instances running or starting, say).
    func sum(_ count: (Entry) -> Int) -> Int {
        state.withLock { $0.entries.values.reduce(0) { $0 + count($1) } }
    }

    /// The same, where the count depends on the pool's key too.
    func sum(_ count: (Key, Entry) -> Int) -> Int {
        state.withLock { $0.entries.reduce(0) { $0 + count($1.key, $1.value) } }
    }
}
