import CoreMetrics
import Foundation
import Logging
import NimbusCore
import Synchronization

extension AsyncDispatcher {
    /// One attempt of a claimed event, and the write of its outcome.
    func process(_ event: AsyncEvent) async {
        let policy = await runner.policy(for: event.target)
        metrics.queueWait.recordSeconds(max(0, Date().timeIntervalSince(event.nextAttemptTime)))
        var transition: AsyncAttempts.Transition
        var outcome: AttemptOutcome?
        if let expired = AsyncAttempts.expireIfStale(event, policy: policy, now: Date()) {
            transition = expired
        } else {
            let runner = runner
            // Its own task so that stopping the event (attempts) cancels the attempt, not the dispatcher.
            let attempt = Task { await runner.attempt(event) }
            attempts.withLock { $0[event.key] = attempt }
            var result = await withTaskCancellationHandler {
                await attempt.value
            } onCancel: {
                attempt.cancel()
            }
            attempts.withLock { $0[event.key] = nil }
            if case .succeeded = result {
            } else if stopping.load(ordering: .relaxed) || Task.isCancelled || attempt.isCancelled {
                result = .interrupted
            }
            outcome = result
            transition = AsyncAttempts.finish(
                event, result, policy: policy, now: Date(), retryBase: configuration.retryBase)
        }
        let follow = transition.route.map { destinationEvent(for: transition.event, route: $0) }
        var written = false
        for attempt in 1...5 {
            do {
                written = try await store.settle(transition.event, follow: follow)
                break
            } catch {
                logger.error(
                    "writing an async outcome failed",
                    metadata: ["request.id": "\(event.requestId)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
        count(transition, outcome: outcome, written: written, follow: follow)
    }

    func count(_ transition: AsyncAttempts.Transition, outcome: AttemptOutcome?, written: Bool, follow: AsyncEvent?) {
        let event = transition.event
        switch (event.status, outcome) {
        case (.enqueued, .throttled?): metrics.attempt("throttled")
        case (.enqueued, .interrupted?):
            metrics.attempt("interrupted")
            metrics.redelivered.increment()
        case (.enqueued, _):
            metrics.attempt("retried")
            logger.warning(
                "async event attempt \(event.attempts) failed; retrying at \(event.nextAttemptTime)",
                metadata: meta(event).merging(["error": "\(Self.oneLine(event.errorMessage ?? ""))"]) { $1 })
        case (.expired, _): metrics.attempt("expired")
        case (let status, _): metrics.attempt(written ? status.rawValue.lowercased() : "stopped")
        }
        guard written else {
            logger.info("async event stopped while it ran; its outcome is dropped", metadata: meta(event))
            return
        }
        if event.status.isFinal { metrics.finished(event) }
        if follow != nil { metrics.destinationSent() }
        switch event.status {
        case .failed, .expired:
            logger.warning(
                "async event \(event.status.rawValue.lowercased()) after \(event.attempts) attempt(s)",
                metadata: meta(event).merging(["error": "\(event.errorMessage ?? "")"]) { $1 })
        default: break
        }
    }

    /// A function's error as one log line (its stack trace is in the function's own log).
    static func oneLine(_ message: String) -> String {
        let words = message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return words.count > 300 ? words.prefix(300) + "..." : words
    }

    func meta(_ event: AsyncEvent) -> Logger.Metadata {
        [
            "request.id": "\(event.requestId)", "function.name": "\(event.target.functionName)",
            "service.name": "\(event.target.serviceName)", "invocation.id": "\(event.invocationId)",
        ]
    }

    /// FC's result callback: the outcome record goes to the destination function as a new async event.
    func destinationEvent(for event: AsyncEvent, route: AsyncAttempts.Route) -> AsyncEvent {
        let now = Date()
        let id = RequestID.make()
        var record = AsyncEvent(
            invocationId: "dst-\(id)", requestId: id, target: route.destination, source: .destination,
            payload: DestinationRecord.payload(
                for: event, condition: route.condition, region: configuration.region,
                accountId: configuration.accountId, now: now),
            stateful: event.stateful, enqueuedTime: now)
        record.parent = event.key
        return record
    }
}
