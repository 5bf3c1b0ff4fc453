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
        var start = 0
        var index = 0
        let count = chunk.count
        if afterCarriageReturn, count > 0 {
            afterCarriageReturn = false
            if chunk[0] == 0x0A {
                start = 1
                index = 1
            }
        }
        while index < count {
            let byte = chunk[index]
            if byte == 0x0A || byte == 0x0D {
                emit(UnsafeRawBufferPointer(rebasing: chunk[start..<index]), body)
                if byte == 0x0D {
                    if index + 1 < count {
                        if chunk[index + 1] == 0x0A { index += 1 }
                    } else {
                        afterCarriageReturn = true
                    }
                }
                index += 1
                start = index
            } else if index - start + partial.count >= maximumLineBytes {
                emit(UnsafeRawBufferPointer(rebasing: chunk[start..<index]), body)
                start = index
            } else {
                index += 1
            }
        }
        if start < count { partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<count])) }
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
