import Foundation

/// Cuts a program's output into lines as it arrives, in chunks that end anywhere.
///
/// A line ends at `\n`, `\r\n` or a lone `\r` (progress bars), as the runtimes' own log services
/// read them. A line longer than `maximumLineBytes` is cut there, so one that never ends cannot hold
/// unbounded memory.
package struct LineSplitter: Sendable {
    package let maximumLineBytes: Int
    /// The start of a line whose end has not arrived yet.
    private var partial: [UInt8] = []
    /// The last chunk ended in `\r`: a `\n` first in the next one belongs to it.
    private var afterCarriageReturn = false

    package init(maximumLineBytes: Int = 128 * 1024) {
        precondition(maximumLineBytes > 0)
        self.maximumLineBytes = maximumLineBytes
    }

    /// Calls `body` with each line that `chunk` completes, without its line break.
    package mutating func split(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
        let count = chunk.count
        var start = 0
        if afterCarriageReturn {
            afterCarriageReturn = false
            if chunk[0] == 0x0A { start = 1 }
        }
        // memchr scans a word or a vector at a time: a flood of output is read at memory speed.
        var newline = Self.find(0x0A, in: base, from: start, count: count)
        var carriageReturn = Self.find(0x0D, in: base, from: start, count: count)
        while start < count {
            let end = min(newline, carriageReturn)
            let limit = start + (maximumLineBytes - partial.count)
            if end > limit {
                emit(UnsafeRawBufferPointer(rebasing: chunk[start..<min(limit, count)]), body)
                start = min(limit, count)
                continue
            }
            if end == count { break }
            emit(UnsafeRawBufferPointer(rebasing: chunk[start..<end]), body)
            start = end + 1
            if end == carriageReturn {
                if start == count {
                    afterCarriageReturn = true
                } else if chunk[start] == 0x0A {
                    start += 1
                }
            }
            if newline < start { newline = Self.find(0x0A, in: base, from: start, count: count) }
            if carriageReturn < start { carriageReturn = Self.find(0x0D, in: base, from: start, count: count) }
        }
        if start < count { partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<count])) }
    }

    /// The index of the first `byte` at or after `from`, or `count` if there is none.
    private static func find(_ byte: UInt8, in base: UnsafeRawPointer, from: Int, count: Int) -> Int {
        guard from < count, let found = memchr(base + from, Int32(byte), count - from) else { return count }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The last line, if the output ended without a line break.
    package mutating func finish(_ body: (UnsafeRawBufferPointer) -> Void) {
        afterCarriageReturn = false
        guard !partial.isEmpty else { return }
        partial.withUnsafeBytes { body($0) }
        partial.removeAll()
    }

    private mutating func emit(_ tail: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        if partial.isEmpty { return body(tail) }
        partial.append(contentsOf: tail)
        partial.withUnsafeBytes { body($0) }
        partial.removeAll(keepingCapacity: true)
    }
}
