import Synchronization

/// Values tagged with the store generation they were read at; a newer generation empties it.
package final class GenerationCache<Value: Sendable>: Sendable {
    private let state = Mutex<(generation: UInt64, entries: [String: Value])>((0, [:]))

    package init() {}

    package func get(_ key: String, generation: UInt64) -> Value? {
        state.withLock { $0.generation == generation ? $0.entries[key] : nil }
    }

    package func set(_ key: String, _ value: Value, generation: UInt64) {
        state.withLock { state in
            // A read that began before a newer write is dropped: it must not empty the newer entries.
            guard generation >= state.generation else { return }
            if state.generation != generation {
                state = (generation, [:])
            }
            if state.entries.count > 10_000 { state.entries.removeAll() }
            state.entries[key] = value
        }
    }
}
