import Foundation
import NimbusCore
import Synchronization

/// What an instance's calls leave behind, shared by the two ways a call reaches it: through the
/// ``Instance`` actor, or through the warm lane on an event loop. A lock, not the actor, so the lane
/// never waits for the actor.
package final class CallLedger: Sendable {
    private struct State {
        var coldStart: ColdStart?
        var served = 0
        var lastUsed = Date()
        /// Warm-lane calls in flight, for attributing the lines the program prints.
        var laneCalls: [String] = []
        /// The calls that ended last, oldest first: a line can come through the pipe after its call answered.
        var ended: [String] = []
    }

    /// How many ended calls a late line can still be attributed to by the id it names.
    static let endedKept = 8

    private let state = Mutex(State())

    /// How the instance started; handed once to the first call that ends on it.
    func setColdStart(_ coldStart: ColdStart?) { state.withLock { $0.coldStart = coldStart } }

    func takeColdStart() -> ColdStart? {
        state.withLock { state in
            defer { state.coldStart = nil }
            return state.coldStart
        }
    }

    /// A lane call began; returns how many lane calls are in flight, this one included.
    @discardableResult
    func laneCallBegan(_ requestId: String) -> Int {
        state.withLock { state in
            state.laneCalls.append(requestId)
            return state.laneCalls.count
        }
    }

    /// A call ended, by either path.
    func callEnded(_ requestId: String, lane: Bool) {
        state.withLock { state in
            state.served += 1
            state.lastUsed = Date()
            state.ended.append(requestId)
            if state.ended.count > Self.endedKept { state.ended.removeFirst() }
            if lane, let index = state.laneCalls.firstIndex(of: requestId) { state.laneCalls.remove(at: index) }
        }
    }

    /// Lane calls in flight and the calls that ended last (oldest first), read together.
    var calls: (lane: [String], ended: [String]) { state.withLock { ($0.laneCalls, $0.ended) } }
    var served: (count: Int, lastUsed: Date) { state.withLock { ($0.served, $0.lastUsed) } }
}
