import Synchronization

/// Wakes one waiting loop early; a signal sent while nobody waits is kept for the next wait.
package final class WakeSignal: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    package init() {}

    package func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next signal or after `seconds`, whichever comes first.
    package func wait(upTo seconds: Double) async {
        // The timeout runs beside the wait, which a signal may end first.
        let timer = Task {
            // Only a sleep that ran its course wakes the waiter; a cancelled one must not leave a signal behind.
            guard (try? await Task.sleep(for: .seconds(seconds))) != nil else { return }
            self.signal()
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}
