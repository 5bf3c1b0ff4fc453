/// The last `limit` bytes of one call's log, whole lines only.
struct LogTail: Sendable {
    let limit: Int
    private(set) var lines: [String] = []
    private var bytes = 0

    init(limit: Int = 4096) { self.limit = limit }

    mutating func append(_ line: String) {
        lines.append(line)
        bytes += line.utf8.count + 1
        while bytes > limit, lines.count > 1 {
            bytes -= lines.removeFirst().utf8.count + 1
        }
    }

    var text: String { lines.map { $0 + "\n" }.joined() }
}
