import Foundation

/// Where invocation records and their per-minute rollups are kept.
package protocol UsageStore: Sendable {
    /// Appends raw records and merges rollups into their minutes, in one transaction.
    func record(_ records: [InvocationRecord], rollups: [UsageKey: UsageRollup]) async throws(NimbusError)
    /// Every stored minute in the window that matches the filter.
    func rollups(_ filter: UsageFilter) async throws(NimbusError) -> [UsageKey: UsageRollup]
    /// The function's newest raw records, newest first.
    func recentInvocations(service: String, function: String, limit: Int) async throws(NimbusError)
        -> [InvocationRecord]
    /// Calls per version of one function since a time, from the raw records (how a canary is watched).
    func versionUsage(service: String, function: String, since: Date) async throws(NimbusError) -> [VersionUsage]
    /// Drops raw records older than `rawBefore` or beyond the newest `rawKeep`, and minutes older than
    /// `minutesBefore`. Returns how many rows went.
    func pruneUsage(rawBefore: Date, rawKeep: Int, minutesBefore: Date) async throws(NimbusError) -> Int
}

/// A rollup's identity: the minute (since the epoch) and the function at a qualifier.
package struct UsageKey: Sendable, Hashable, Comparable {
    package var minute: Int
    package var service: String
    package var function: String
    package var qualifier: String

    package init(minute: Int, service: String, function: String, qualifier: String) {
        self.minute = minute
        self.service = service
        self.function = function
        self.qualifier = qualifier
    }

    package init(_ record: InvocationRecord) {
        self.init(
            minute: Int((record.start.timeIntervalSince1970 / 60).rounded(.down)), service: record.service,
            function: record.function, qualifier: record.qualifier)
    }

    package static func < (a: UsageKey, b: UsageKey) -> Bool {
        (a.minute, a.service, a.function, a.qualifier) < (b.minute, b.service, b.function, b.qualifier)
    }
}

/// Which minutes a usage query wants: nil fields match everything.
package struct UsageFilter: Sendable, Equatable {
    package var service: String?
    package var function: String?
    package var qualifier: String?
    package var since: Date
    package var until: Date

    package init(service: String? = nil, function: String? = nil, qualifier: String? = nil, since: Date, until: Date) {
        self.service = service
        self.function = function
        self.qualifier = qualifier
        self.since = since
        self.until = until
    }
}

/// One version's share of a function's calls.
package struct VersionUsage: Sendable, Equatable {
    package var versionId: String
    package var invocations: Int
    package var errors: Int
    package var averageDurationMs: Double

    package init(versionId: String, invocations: Int, errors: Int, averageDurationMs: Double) {
        self.versionId = versionId
        self.invocations = invocations
        self.errors = errors
        self.averageDurationMs = averageDurationMs
    }
}
