import Foundation
import Testing

@testable import NimbusCore

/// How an instance's output becomes log lines: cut into lines wherever the pipe's chunks end, and
/// held to the instance's log budget.
@Suite struct OutputTests {
    static func lines(_ chunks: [String], maximumLineBytes: Int = 1024) -> [String] {
        var splitter = LineSplitter(maximumLineBytes: maximumLineBytes)
        var lines: [String] = []
        for chunk in chunks {
            var bytes = Array(chunk.utf8)
            bytes.withUnsafeMutableBytes { buffer in
                splitter.split(UnsafeRawBufferPointer(buffer)) { lines.append(String(decoding: $0, as: UTF8.self)) }
            }
        }
        splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        return lines
    }

    @Test func linesEndAtNewlinesCarriageReturnsAndTheEndOfOutput() {
        #expect(Self.lines(["a\nb\r\nc\rd\n\ne"]) == ["a", "b", "c", "d", "", "e"])
        #expect(Self.lines(["no end"]) == ["no end"])
        #expect(Self.lines(["done\n"]) == ["done"])
        #expect(Self.lines([""]) == [])
    }

    @Test func whereverTheChunksEndTheLinesAreTheSame() {
        let text = "first line\r\nsecond\n\nthird \u{e9}t\u{e9}\rfourth\r\n\r\nlast"
        let whole = Self.lines([text])
        #expect(whole == ["first line", "second", "", "third \u{e9}t\u{e9}", "fourth", "", "last"])
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            for second in cut...bytes.count {
                let chunks = [bytes[..<cut], bytes[cut..<second], bytes[second...]].map {
                    String(decoding: $0, as: UTF8.self)
                }
                // Cutting inside a UTF-8 sequence makes chunks that are not valid text on their own.
                guard chunks.joined() == text else { continue }
                #expect(Self.lines(chunks) == whole, "cut at \(cut) and \(second)")
            }
        }
        // The same with a byte split inside the é: the splitter sees bytes, not characters.
        var splitter = LineSplitter()
        var lines: [String] = []
        let utf8 = Array("caf\u{e9}\n".utf8)
        for piece in [utf8[..<4], utf8[4...]] {
            Array(piece).withUnsafeBytes { splitter.split($0) { lines.append(String(decoding: $0, as: UTF8.self)) } }
        }
        #expect(lines == ["caf\u{e9}"])
    }

    @Test func aLineThatNeverEndsIsCutAtTheLimit() {
        let long = String(repeating: "x", count: 2500)
        let lines = Self.lines([String(long.prefix(700)), String(long.dropFirst(700)) + "\nafter\n"])
        #expect(lines.map(\.count) == [1024, 1024, 452, 5])
        #expect(lines.joined() == long + "after")
    }

    @Test func theLimitCutsTheSameWhereverTheChunksEnd() {
        let text = "abcd\nabcdefghij\r\nxy\rabcdefgh"
        let expected = ["abcd", "abcd", "efgh", "ij", "xy", "abcd", "efgh"]
        #expect(Self.lines([text], maximumLineBytes: 4) == expected)
        for cut in 0...text.utf8.count {
            for second in cut...text.utf8.count {
                let bytes = Array(text.utf8)
                let chunks = [bytes[..<cut], bytes[cut..<second], bytes[second...]].map {
                    String(decoding: $0, as: UTF8.self)
                }
                #expect(Self.lines(chunks, maximumLineBytes: 4) == expected, "cut at \(cut) and \(second)")
            }
        }
    }

    @Test func theBudgetKeepsABurstThenTheRate() {
        let start = ContinuousClock.now
        var budget = LogBudget(bytesPerSecond: 1000, burstSeconds: 2)
        // A burst of 2,000 bytes: twenty 99-byte lines (100 with their line breaks).
        let kept = (0..<30).filter { _ in budget.admit(99, at: start) }.count
        #expect(kept == 20)
        #expect(budget.takeDropped()! == (lines: 10, bytes: 1000))
        #expect(budget.takeDropped() == nil)
        // Half a second later, 500 bytes more.
        let later = start + .milliseconds(500)
        #expect((0..<10).filter { _ in budget.admit(99, at: later) }.count == 5)
        // However long it was quiet, no more than the burst.
        let muchLater = start + .seconds(60)
        #expect((0..<30).filter { _ in budget.admit(99, at: muchLater) }.count == 20)
    }

    @Test func overTheBudgetLinesAreCountedAndSaidOncePerInterval() {
        let start = ContinuousClock.now
        var intake = OutputIntake(budget: LogBudget(bytesPerSecond: 100, burstSeconds: 1), reportInterval: .seconds(1))
        func take(_ text: String, at instant: ContinuousClock.Instant) -> OutputIntake.Batch {
            Array(text.utf8).withUnsafeBytes { intake.take($0, at: instant) }
        }
        let line = String(repeating: "a", count: 9) + "\n"  // 10 bytes
        let first = take(String(repeating: line, count: 15), at: start)
        #expect(first.lines.count == 10)
        #expect(first.dropped! == (lines: 5, bytes: 50))
        // Within the interval: dropped again, but not said yet.
        let second = take(String(repeating: line, count: 3), at: start + .milliseconds(100))
        #expect(second.lines.count == 1)
        #expect(second.dropped == nil)
        // The interval passed: said, with what accumulated.
        let third = take(String(repeating: line, count: 20), at: start + .milliseconds(1200))
        #expect(third.lines.count == 10)  // the bucket holds one second's worth however long it refilled
        #expect(third.dropped! == (lines: 2 + 10, bytes: 120))
        // At the end, the rest is said at once, with the unterminated last line.
        _ = take(String(repeating: line, count: 4) + "tail", at: start + .milliseconds(1300))
        let last = intake.finish(at: start + .milliseconds(1300))
        #expect(last.dropped! == (lines: 3 + 1, bytes: 30 + 5))
        #expect(last.lines.isEmpty)
    }

    @Test func aCallsEndLineIsKeptAndBringsItsDropsWithIt() {
        let start = ContinuousClock.now
        var intake = OutputIntake(budget: LogBudget(bytesPerSecond: 100, burstSeconds: 1), reportInterval: .seconds(60))
        func take(_ text: String) -> OutputIntake.Batch {
            Array(text.utf8).withUnsafeBytes { intake.take($0, at: start) }
        }
        let flood = String(repeating: String(repeating: "z", count: 49) + "\n", count: 10)
        #expect(take(flood).dropped! == (lines: 8, bytes: 400))
        #expect(take(flood).dropped == nil)  // within the interval
        let end = take("FC Invoke Start RequestId: r2\n" + flood + "FC Invoke End RequestId: r2\n")
        #expect(end.lines == ["FC Invoke Start RequestId: r2", "FC Invoke End RequestId: r2"])
        #expect(end.dropped! == (lines: 20, bytes: 1000))
        // A program that prints the prefix on long lines does not get past the budget with it.
        let fake = take("FC Invoke End RequestId: " + String(repeating: "y", count: 300) + "\n")
        #expect(fake.lines.isEmpty)
    }

    @Test func aFloodIsReadNoFasterThanItsPace() {
        let start = ContinuousClock.now
        // Budget 1,000 B/s: reads paced at 16,000 B/s, one second of them ahead.
        var intake = OutputIntake(budget: LogBudget(bytesPerSecond: 1000, burstSeconds: 1))
        func take(_ bytes: Int, at instant: ContinuousClock.Instant) -> Duration {
            let text = String(repeating: String(repeating: "p", count: 99) + "\n", count: bytes / 100)
            return Array(text.utf8).withUnsafeBytes { intake.take($0, at: instant) }.pause
        }
        #expect(take(16_000, at: start) == .zero)
        #expect(take(1_000, at: start) == .milliseconds(62.5))  // 1,000 bytes of debt at 16,000 B/s
        // Repaid; a small debt waits for the next chunk rather than a timer of its own.
        #expect(take(100, at: start + .milliseconds(62.5)) == .zero)
        #expect(take(900, at: start + .milliseconds(62.5)) == .milliseconds(62.5))
        var unpaced = OutputIntake(budget: nil)
        let flood = Array(String(repeating: "u", count: 1 << 20).utf8)
        #expect(flood.withUnsafeBytes { unpaced.take($0, at: start) }.pause == .zero)
    }

    @Test func withoutABudgetEverythingIsKept() {
        var intake = OutputIntake(budget: nil)
        let text = String(repeating: String(repeating: "b", count: 999) + "\n", count: 5000)
        let batch = Array(text.utf8).withUnsafeBytes { intake.take($0, at: .now) }
        #expect(batch.lines.count == 5000)
        #expect(batch.dropped == nil)
    }
}
