import Foundation

/// Settings of the async queue and the timers (`NIMBUS_ASYNC_*`).
package struct EventsConfiguration: Sendable {
    /// Events running at once across all functions.
    package var concurrency: Int
    /// The first retry's delay; later ones double (FC backs off the same way).
    package var retryBase: TimeInterval
    /// How long finished events stay queryable.
    package var retention: TimeInterval
    /// At most this many finished events are kept, oldest pruned first.
    package var keepFinished: Int
    /// How often the queue is checked for due retries when nothing wakes it.
    package var pollInterval: TimeInterval
    /// On shutdown, running events get this long to finish before they are left for redelivery.
    package var drainTimeout: TimeInterval
    package var region: String
    package var accountId: String

    package init(
        concurrency: Int = 32, retryBase: TimeInterval = 1, retention: TimeInterval = 7 * 86_400,
        keepFinished: Int = 100_000, pollInterval: TimeInterval = 0.25, drainTimeout: TimeInterval = 5,
        region: String = "local", accountId: String = ""
    ) {
        self.concurrency = concurrency
        self.retryBase = retryBase
        self.retention = retention
        self.keepFinished = keepFinished
        self.pollInterval = pollInterval
        self.drainTimeout = drainTimeout
        self.region = region
        self.accountId = accountId
    }
}
