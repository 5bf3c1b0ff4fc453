/// How much output one instance may log: a token bucket of `bytesPerSecond`, with a burst of
/// `burstSeconds` of that rate. What goes over is counted, to be said in the function's log, as FC's
/// log service does, rather than taking Nimbus's CPU from every other function.
package struct LogBudget: Sendable {
    package let bytesPerSecond: Double
    package let burstBytes: Double
    private var tokens: Double
    private var refilled: ContinuousClock.Instant?
    /// Dropped since the last `takeDropped()`.
    package private(set) var dropped = (lines: 0, bytes: 0)

    package init(bytesPerSecond: Double, burstSeconds: Double = 4) {
        precondition(bytesPerSecond > 0 && burstSeconds > 0)
        self.bytesPerSecond = bytesPerSecond
        self.burstBytes = bytesPerSecond * burstSeconds
        self.tokens = burstBytes
    }

    /// Whether a line of `bytes` may be kept at `now`; a refused one is counted as dropped. A line
    /// that must be kept (`always`) is kept and still paid for: the bucket may go into debt, down to
    /// one burst.
    package mutating func admit(_ bytes: Int, at now: ContinuousClock.Instant, always: Bool = false) -> Bool {
        refill(at: now)
        let cost = Double(bytes + 1)  // the line break counts: empty lines are not free
        if always {
            tokens = max(-burstBytes, tokens - cost)
            return true
        }
        guard tokens >= cost else {
            dropped.lines += 1
            dropped.bytes += bytes + 1
            return false
        }
        tokens -= cost
        return true
    }

    /// Pays for `bytes` whatever the balance (down to a burst of debt) and returns how long until
    /// the bucket is out of debt: how long a reader pacing itself by this budget should wait.
    package mutating func spend(_ bytes: Int, at now: ContinuousClock.Instant) -> Duration {
        refill(at: now)
        tokens = max(-burstBytes, tokens - Double(bytes))
        return tokens >= 0 ? .zero : .seconds(-tokens / bytesPerSecond)
    }

    /// Once per instant: every line of a chunk is admitted at the chunk's time, and the clock
    /// arithmetic is the costly part of a check.
    private mutating func refill(at now: ContinuousClock.Instant) {
        guard let refilled else { return self.refilled = now }
        guard now > refilled else { return }
        let elapsed = now - refilled
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        tokens = min(burstBytes, tokens + seconds * bytesPerSecond)
        self.refilled = now
    }

    /// The lines and bytes dropped since the last call, and resets them; nil when none were.
    package mutating func takeDropped() -> (lines: Int, bytes: Int)? {
        guard dropped.lines > 0 else { return nil }
        defer { dropped = (0, 0) }
        return dropped
    }
}
