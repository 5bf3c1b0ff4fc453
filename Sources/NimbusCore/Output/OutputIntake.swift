/// What Nimbus keeps of one instance's output: whole lines, within its log budget, a batch for each
/// chunk read, so that a chunk of a thousand lines costs one hop to the instance and one log post.
///
/// Lines over the budget never become strings: they are counted, and the count is handed on at most
/// once per `reportInterval` while the flood lasts, with a call's end line (so each call's drops are
/// said by the time it ends), and at the end of the output. The runtimes' boundary lines
/// (`FC Invoke Start/End RequestId: ...`) are always kept: calls' logs and tails are cut by them.
///
/// Dropping is cheap but not free: reading a pipe costs a copy per byte. So the intake also paces
/// its reads at `drainFactor` times the budget (256 MB/s at the default 16 MB/s): past a second of
/// that, a flood waits on its own full pipe instead of taking a core of Nimbus's.
package struct OutputIntake: Sendable {
    private var splitter: LineSplitter
    private var budget: LogBudget?
    private var pace: LogBudget?
    package static let drainFactor = 16.0
    /// Shorter pauses are not worth a timer: the debt they would repay is carried to the next chunk.
    package static let shortestPause = Duration.milliseconds(10)
    private var lastReport: ContinuousClock.Instant?
    package let reportInterval: Duration

    package struct Batch: Sendable {
        package var lines: [String] = []
        /// Lines and bytes dropped since the last report, when it is time to say so.
        package var dropped: (lines: Int, bytes: Int)?
        /// How long to wait before reading on: the output came faster than the pace.
        package var pause: Duration = .zero
    }

    /// `budget` nil keeps everything.
    package init(budget: LogBudget?, maximumLineBytes: Int = 128 * 1024, reportInterval: Duration = .seconds(1)) {
        self.splitter = LineSplitter(maximumLineBytes: maximumLineBytes)
        self.budget = budget
        self.pace = budget.map { LogBudget(bytesPerSecond: $0.bytesPerSecond * Self.drainFactor, burstSeconds: 1) }
        self.reportInterval = reportInterval
    }

    package mutating func take(_ chunk: UnsafeRawBufferPointer, at now: ContinuousClock.Instant) -> Batch {
        var batch = Batch()
        var budget = self.budget  // a local, so the splitter's closure can change it
        var sawBoundary = false
        splitter.split(chunk) { line in
            sawBoundary = Self.keep(line, at: now, budget: &budget, in: &batch) || sawBoundary
        }
        if budget?.dropped.lines ?? 0 > 0, sawBoundary || lastReport.map({ now - $0 >= reportInterval }) ?? true {
            lastReport = now
            batch.dropped = budget?.takeDropped()
        }
        self.budget = budget
        if let wait = pace?.spend(chunk.count, at: now), wait >= Self.shortestPause { batch.pause = wait }
        return batch
    }

    /// The output ended: its last unterminated line, and whatever drops were not said yet.
    package mutating func finish(at now: ContinuousClock.Instant) -> Batch {
        var batch = Batch()
        var budget = self.budget
        splitter.finish { line in _ = Self.keep(line, at: now, budget: &budget, in: &batch) }
        batch.dropped = budget?.takeDropped()
        self.budget = budget
        return batch
    }

    /// Keeps the line if the budget allows; returns whether it was a boundary line.
    private static func keep(
        _ line: UnsafeRawBufferPointer, at now: ContinuousClock.Instant, budget: inout LogBudget?, in batch: inout Batch
    ) -> Bool {
        let boundary = isBoundary(line)
        if budget?.admit(line.count, at: now, always: boundary) == false { return false }
        batch.lines.append(String(decoding: line, as: UTF8.self))
        return boundary
    }

    private static let boundaryPrefixes = ["FC Invoke Start RequestId: ", "FC Invoke End RequestId: "].map {
        Array($0.utf8)
    }

    /// Short, so that a program printing the prefix on every line cannot use it to flood.
    static func isBoundary(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.count <= 256, line.first == 0x46 else { return false }  // "F"
        return boundaryPrefixes.contains { prefix in
            line.count >= prefix.count && zip(prefix, line).allSatisfy { $0 == $1 }
        }
    }
}
