import Foundation

/// What happened when an event ran once.
package enum AttemptOutcome: Sendable, Equatable {
    case succeeded(result: [UInt8], instanceId: String, durationMs: Int)
    /// The function ran and failed (handled or unhandled error, timeout, crash): retried.
    case functionFailed(errorType: String, message: String, result: [UInt8], instanceId: String, durationMs: Int)
    /// No instance was free in time (FC's throttling): the event waits; no attempt is used up.
    case throttled(String)
    /// Nimbus stopped while the event ran: it runs again; no attempt is used up.
    case interrupted
    /// The target can't run at all (deleted function, bad configuration): no retry helps.
    case rejected(String)
}

/// The pure rules of FC's async model: retries with backoff, ageing out, destinations.
package enum AsyncAttempts {
    /// Where an event's outcome goes: the function to tell and the condition FC names.
    package struct Route: Sendable, Equatable {
        package var destination: QualifiedFunction
        /// `Success`, `HandledInvocationError`, `UnhandledInvocationError`, `EventExpired`, ...
        package var condition: String

        package init(destination: QualifiedFunction, condition: String) {
            self.destination = destination
            self.condition = condition
        }
    }

    /// The event after the attempt, and the destination to tell if the event reached a final state.
    package struct Transition: Sendable, Equatable {
        package var event: AsyncEvent
        package var route: Route?
    }

    /// First retry after 1 s, then doubling, at most 5 minutes apart.
    package static func backoff(afterAttempt attempt: Int, base: TimeInterval = 1) -> TimeInterval {
        min(300, base * pow(2, Double(max(0, attempt - 1))))
    }

    /// How long a throttled event waits before it is tried again.
    package static let throttleWait: TimeInterval = 1

    /// Applies an attempt's outcome to a running event.
    package static func finish(
        _ running: AsyncEvent, _ outcome: AttemptOutcome, policy: AsyncInvokePolicy, now: Date,
        retryBase: TimeInterval = 1
    ) -> Transition {
        var event = running
        switch outcome {
        case .succeeded(let result, let instanceId, let durationMs):
            event.result = result
            event.errorMessage = nil
            settle(&event, .succeeded, now: now, instanceId: instanceId, durationMs: durationMs, detail: "")
            return Transition(event: event, route: route(event, policy.onSuccess, "Success"))
        case .functionFailed(let errorType, let message, let result, let instanceId, let durationMs):
            event.result = result
            event.errorMessage = message
            if event.attempts <= policy.maximumRetries {
                let wait = backoff(afterAttempt: event.attempts, base: retryBase)
                requeue(&event, at: now.addingTimeInterval(wait), now: now, detail: "\(errorType): \(message)")
                event.instanceId = instanceId
                event.durationMs = durationMs
                return Transition(event: event, route: nil)
            }
            settle(&event, .failed, now: now, instanceId: instanceId, durationMs: durationMs, detail: message)
            return Transition(event: event, route: route(event, policy.onFailure, errorType))
        case .throttled(let message):
            event.attempts -= 1
            requeue(&event, at: now.addingTimeInterval(throttleWait), now: now, detail: "throttled: \(message)")
            return Transition(event: event, route: nil)
        case .interrupted:
            event.attempts -= 1
            event.redeliveries += 1
            requeue(&event, at: now, now: now, detail: "interrupted: Nimbus stopped while the event ran")
            return Transition(event: event, route: nil)
        case .rejected(let message):
            event.errorMessage = message
            settle(&event, .failed, now: now, instanceId: nil, durationMs: nil, detail: message)
            return Transition(event: event, route: route(event, policy.onFailure, "InvocationRejected"))
        }
    }

    /// An event older than its policy allows is not run; it expires and goes to the failure destination.
    package static func expireIfStale(_ event: AsyncEvent, policy: AsyncInvokePolicy, now: Date) -> Transition? {
        guard now.timeIntervalSince(event.enqueuedTime) > policy.maximumAge else { return nil }
        var expired = event
        expired.errorMessage = "the event was older than maxAsyncEventAgeInSeconds (\(Int(policy.maximumAge)) s)"
        settle(&expired, .expired, now: now, instanceId: nil, durationMs: nil, detail: expired.errorMessage ?? "")
        return Transition(event: expired, route: route(expired, policy.onFailure, "EventExpired"))
    }

    static func settle(
        _ event: inout AsyncEvent, _ status: AsyncEvent.Status, now: Date, instanceId: String?, durationMs: Int?,
        detail: String
    ) {
        event.status = status
        event.endTime = now
        event.instanceId = instanceId ?? event.instanceId
        event.durationMs = durationMs ?? event.durationMs
        event.record(.init(status: status.rawValue, time: now, detail: detail))
    }

    static func requeue(_ event: inout AsyncEvent, at time: Date, now: Date, detail: String) {
        event.status = .enqueued
        event.nextAttemptTime = time
        event.record(.init(status: "Retrying", time: now, detail: detail))
    }

    /// Destination records are never routed again, so a failing destination cannot loop.
    static func route(_ event: AsyncEvent, _ destination: QualifiedFunction?, _ condition: String) -> Route? {
        guard event.source != .destination, let destination else { return nil }
        return Route(destination: destination, condition: condition)
    }
}
