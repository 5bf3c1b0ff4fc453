import Foundation
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
        var lastRequestId: String?
    }

    private let state = Mutex(State())

    /// How the instance started; handed once to the first call that ends on it.
    func setColdStart(_ coldStart: ColdStart?) { state.withLock { $0.coldStart = coldStart } }

    func takeColdStart() -> ColdStart? {
        state.withLock { state in
            defer { state.coldStart = nil }
            return state.coldStart
        }
    }

    func laneCallBegan(_ requestId: String) { state.withLock { $0.laneCalls.append(requestId) } }

    /// A call ended, by either path.
    func callEnded(_ requestId: String, lane: Bool) {
        state.withLock { state in
            state.served += 1
            state.lastUsed = Date()
            state.lastRequestId = requestId
            if lane, let index = state.laneCalls.firstIndex(of: requestId) { state.laneCalls.remove(at: index) }
        }
    }

    var laneCalls: [String] { state.withLock { $0.laneCalls } }
    var lastRequestId: String? { state.withLock { $0.lastRequestId } }
    var served: (count: Int, lastUsed: Date) { state.withLock { ($0.served, $0.lastUsed) } }
}
