import Foundation

/// The time the scheduler reads and sleeps on: the system's in production, a manual one in tests,
/// so queue deadlines and idle reaping can be tested without waiting.
package protocol NimbusClock: Sendable {
    var now: Date { get }
    /// Returns after `duration`; throws `CancellationError` when the task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// Wall-clock time and `Task.sleep`.
package struct SystemClock: NimbusClock {
    package init() {}

    package var now: Date { Date() }

    package func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
