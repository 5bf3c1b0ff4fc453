import Synchronization

/// The signature nonces seen within the skew window, as a value-type state machine (no clock, no lock).
///
/// A replay carries the same signed `x-acs-date` as the original, so nonces are kept per date second and
/// a bucket is forgotten once its second is further back than the skew: a replay of it would be refused
/// for skew anyway. Memory is bounded: past `capacity` nonces the oldest second is forgotten early, and
/// from then on requests dated that second or earlier are refused (the window Nimbus can vouch for
/// shrinks under load instead of letting a replay through).
package struct ReplayWindow: Sendable {
    package enum Outcome: Equatable, Sendable {
        case admitted
        /// This nonce was already used with this date.
        case replayed
        /// The date is at or before a second whose nonces were forgotten early (too many requests).
        case beforeWindow(floor: Int64)
    }

    package let capacity: Int
    package let skewSeconds: Int64
    private var buckets: [Int64: Set<String>] = [:]
    /// The seconds of `buckets`, ascending.
    private var seconds: [Int64] = []
    private var count = 0
    /// Requests dated at or before this second are refused: its nonces may have been forgotten early.
    private var floor = Int64.min

    package init(capacity: Int = 262_144, skewSeconds: Int64 = 15 * 60) {
        self.capacity = max(1, capacity)
        self.skewSeconds = skewSeconds
    }

    package var nonceCount: Int { count }

    /// Records a nonce of a request signed for `date` (epoch seconds), received at `now`. The caller has
    /// already checked the date is within the skew of `now` and the signature is valid.
    package mutating func admit(nonce: String, date: Int64, now: Int64) -> Outcome {
        expire(now: now)
        guard date > floor else { return .beforeWindow(floor: floor) }
        if buckets[date]?.contains(nonce) == true { return .replayed }
        if buckets[date] == nil {
            let index = seconds.firstIndex { $0 > date } ?? seconds.endIndex
            seconds.insert(date, at: index)
        }
        buckets[date, default: []].insert(nonce)
        count += 1
        while count > capacity, let oldest = seconds.first {
            floor = max(floor, oldest)
            forget(oldest)
        }
        return date > floor ? .admitted : .beforeWindow(floor: floor)
    }

    /// Forgets the seconds a replay could no longer pass the skew check for.
    mutating func expire(now: Int64) {
        let (limit, overflow) = now.subtractingReportingOverflow(skewSeconds)
        guard !overflow else { return }
        while let oldest = seconds.first, oldest < limit { forget(oldest) }
    }

    private mutating func forget(_ second: Int64) {
        count -= buckets.removeValue(forKey: second)?.count ?? 0
        seconds.removeFirst()
    }
}

/// The one owner of the server's ``ReplayWindow``: every path that verifies an ACS3 signature (the router's
/// middleware and the warm lane, on any event loop) admits nonces through the same instance.
package final class NonceLedger: Sendable {
    private let window: Mutex<ReplayWindow>

    package init(capacity: Int = 262_144, skewSeconds: Int64 = 15 * 60) {
        window = Mutex(ReplayWindow(capacity: capacity, skewSeconds: skewSeconds))
    }

    package func admit(nonce: String, date: Int64, now: Int64) -> ReplayWindow.Outcome {
        window.withLock { $0.admit(nonce: nonce, date: date, now: now) }
    }
}
