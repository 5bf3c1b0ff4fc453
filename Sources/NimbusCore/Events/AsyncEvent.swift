import Foundation

/// One accepted asynchronous invocation, as the durable queue keeps it.
package struct AsyncEvent: Sendable, Equatable {
    /// FC's stateful-invocation states.
    package enum Status: String, Sendable, CaseIterable {
        case enqueued = "Enqueued"
        case running = "Running"
        case succeeded = "Succeeded"
        case failed = "Failed"
        case expired = "Expired"
        case stopped = "Stopped"

        package var isFinal: Bool { ![.enqueued, .running].contains(self) }
    }

    /// What put the event on the queue.
    package enum Source: String, Sendable {
        /// `X-Fc-Invocation-Type: Async` on an invocation.
        case invoke
        /// A timer trigger's tick.
        case timer
        /// The record of another event's outcome, sent to its destination function. Never routed further.
        case destination
    }

    /// One step of the event's history (FC's `events[]` of a stateful invocation).
    package struct Step: Sendable, Equatable, Codable {
        package var status: String
        package var time: Date
        package var detail: String

        package init(status: String, time: Date, detail: String) {
            self.status = status
            self.time = time
            self.detail = detail
        }
    }

    /// The caller's or generated invocation id, unique per function.
    package var invocationId: String
    package var requestId: String
    package var target: QualifiedFunction
    package var source: Source
    package var payload: [UInt8]
    /// Queryable through the stateful-invocation API (async config `statefulInvocation`, or the header).
    package var stateful: Bool
    package var status: Status
    /// Attempts started so far; the first run is attempt 1.
    package var attempts: Int
    /// Times the event was handed out again because Nimbus stopped while it ran (at-least-once duplicates).
    package var redeliveries: Int
    package var enqueuedTime: Date
    /// When the event may run next (retries back off; throttled events wait).
    package var nextAttemptTime: Date
    package var startedTime: Date?
    package var endTime: Date?
    package var instanceId: String?
    package var durationMs: Int?
    package var errorMessage: String?
    package var result: [UInt8]?
    /// `Succeeded` / `Failed` once the outcome record reached its destination, else empty.
    package var destinationStatus: String?
    package var history: [Step]

    package init(
        invocationId: String, requestId: String, target: QualifiedFunction, source: Source, payload: [UInt8],
        stateful: Bool, enqueuedTime: Date
    ) {
        self.invocationId = invocationId
        self.requestId = requestId
        self.target = target
        self.source = source
        self.payload = payload
        self.stateful = stateful
        self.status = .enqueued
        self.attempts = 0
        self.redeliveries = 0
        self.enqueuedTime = enqueuedTime
        self.nextAttemptTime = enqueuedTime
        self.history = [Step(status: "Enqueued", time: enqueuedTime, detail: "")]
    }

    /// For a destination record: the event whose outcome it carries (its `destinationStatus` follows this one).
    package var parent: AsyncEventKey?

    /// Retries after the first attempt, FC's `alreadyRetriedTimes`.
    package var retriedTimes: Int { max(0, attempts - 1) }

    package var key: AsyncEventKey {
        AsyncEventKey(serviceName: target.serviceName, functionName: target.functionName, invocationId: invocationId)
    }

    /// Caps the history so a long-retried event stays small.
    package mutating func record(_ step: Step) {
        history.append(step)
        if history.count > 50 { history.removeFirst(history.count - 50) }
    }
}

/// An event's identity: invocation ids are unique per function.
package struct AsyncEventKey: Sendable, Hashable {
    package var serviceName: String
    package var functionName: String
    package var invocationId: String

    package init(serviceName: String, functionName: String, invocationId: String) {
        self.serviceName = serviceName
        self.functionName = functionName
        self.invocationId = invocationId
    }
}
