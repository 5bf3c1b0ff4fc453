/// How many instance processes start at once; starts past the limit wait their turn, oldest first.
///
/// Two cores asked to start two hundred interpreters at once finish none of them for seconds (each
/// needs tens of milliseconds of CPU, and they all share it); started a few at a time, the first
/// serve within tens of milliseconds and the rest follow at the same overall rate. Pure: the
/// supervisor keeps one and resumes the start it names.
package struct SpawnGate: Sendable {
    package let limit: Int
    package private(set) var running = 0
    private var waiting: [Int] = []

    package init(limit: Int) {
        self.limit = max(1, limit)
    }

    package var waitingCount: Int { waiting.count }

    /// A start asks to go: true when it may start now; otherwise its ticket waits.
    package mutating func enter(_ ticket: Int) -> Bool {
        guard running < limit else {
            waiting.append(ticket)
            return false
        }
        running += 1
        return true
    }

    /// A start ended (listening, or failed): the ticket that goes next, which takes its place.
    package mutating func leave() -> Int? {
        guard !waiting.isEmpty else {
            running = max(0, running - 1)
            return nil
        }
        return waiting.removeFirst()
    }

    /// Shutdown: every waiting ticket, none of which will start.
    package mutating func drain() -> [Int] {
        defer { waiting = [] }
        return waiting
    }
}
