import Foundation
import NimbusCore
import Testing

struct AsyncAttemptsTests {
    let target = QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: "fn")
    let sink = QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: "sink")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func running(attempt: Int, source: AsyncEvent.Source = .invoke) -> AsyncEvent {
        var event = AsyncEvent(
            invocationId: "id1", requestId: "r1", target: target, source: source, payload: Array("{}".utf8),
            stateful: true, enqueuedTime: now)
        event.status = .running
        event.attempts = attempt
        return event
    }

    func failure() -> AttemptOutcome {
        .functionFailed(
            errorType: "UnhandledInvocationError", message: "boom", result: [], instanceId: "i", durationMs: 5)
    }

    @Test func failuresRetryWithDoublingBackoffUntilTheLimitThenRouteToOnFailure() {
        let policy = AsyncInvokePolicy(maximumRetries: 2, onFailure: sink)
        let first = AsyncAttempts.finish(running(attempt: 1), failure(), policy: policy, now: now)
        #expect(first.event.status == .enqueued)
        #expect(first.event.nextAttemptTime == now + 1)
        #expect(first.route == nil)
        let second = AsyncAttempts.finish(running(attempt: 2), failure(), policy: policy, now: now)
        #expect(second.event.nextAttemptTime == now + 2)
        let last = AsyncAttempts.finish(running(attempt: 3), failure(), policy: policy, now: now)
        #expect(last.event.status == .failed)
        #expect(last.event.retriedTimes == 2)
        #expect(last.route == .init(destination: sink, condition: "UnhandledInvocationError"))
    }

    @Test func zeroRetriesFailsAtOnce() {
        let transition = AsyncAttempts.finish(
            running(attempt: 1), failure(), policy: AsyncInvokePolicy(maximumRetries: 0), now: now)
        #expect(transition.event.status == .failed)
    }

    @Test func successRoutesToOnSuccessWithTheResult() {
        let policy = AsyncInvokePolicy(onSuccess: sink)
        let transition = AsyncAttempts.finish(
            running(attempt: 1), .succeeded(result: Array("ok".utf8), instanceId: "i", durationMs: 3), policy: policy,
            now: now)
        #expect(transition.event.status == .succeeded)
        #expect(transition.event.result == Array("ok".utf8))
        #expect(transition.route == .init(destination: sink, condition: "Success"))
    }

    @Test func throttlingAndInterruptionsDoNotUseUpAttempts() {
        let throttled = AsyncAttempts.finish(
            running(attempt: 3), .throttled("busy"), policy: AsyncInvokePolicy(maximumRetries: 2), now: now)
        #expect(throttled.event.status == .enqueued)
        #expect(throttled.event.attempts == 2)
        #expect(throttled.event.nextAttemptTime == now + AsyncAttempts.throttleWait)
        let interrupted = AsyncAttempts.finish(running(attempt: 1), .interrupted, policy: AsyncInvokePolicy(), now: now)
        #expect(interrupted.event.attempts == 0)
        #expect(interrupted.event.redeliveries == 1)
        #expect(interrupted.event.status == .enqueued)
    }

    @Test func destinationRecordsAreNeverRoutedAgain() {
        let policy = AsyncInvokePolicy(maximumRetries: 0, onFailure: sink)
        let transition = AsyncAttempts.finish(
            running(attempt: 1, source: .destination), failure(), policy: policy, now: now)
        #expect(transition.event.status == .failed)
        #expect(transition.route == nil)
    }

    @Test func staleEventsExpireToTheFailureDestination() {
        let policy = AsyncInvokePolicy(maximumAge: 60, onFailure: sink)
        #expect(AsyncAttempts.expireIfStale(running(attempt: 1), policy: policy, now: now + 59) == nil)
        let expired = AsyncAttempts.expireIfStale(running(attempt: 1), policy: policy, now: now + 61)
        #expect(expired?.event.status == .expired)
        #expect(expired?.route?.condition == "EventExpired")
    }

    @Test func backoffIsCappedAtFiveMinutes() {
        #expect(AsyncAttempts.backoff(afterAttempt: 1) == 1)
        #expect(AsyncAttempts.backoff(afterAttempt: 4) == 8)
        #expect(AsyncAttempts.backoff(afterAttempt: 20) == 300)
    }

    @Test func destinationRecordCarriesRequestAndResponse() throws {
        var event = running(attempt: 2)
        event.status = .failed
        event.errorMessage = "boom"
        let bytes = DestinationRecord.payload(
            for: event, condition: "UnhandledInvocationError", region: "local", accountId: "123", now: now)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let context = try #require(record["requestContext"] as? [String: Any])
        #expect(context["functionArn"] as? String == "acs:fc:local:123:services/svc.LATEST/functions/fn")
        #expect(context["condition"] as? String == "UnhandledInvocationError")
        #expect(context["approximateInvokeCount"] as? Int == 2)
        #expect(record["requestPayload"] as? String == "{}")
        #expect(
            (record["responseContext"] as? [String: Any])?["functionError"] as? String == "UnhandledInvocationError")
    }

    @Test(arguments: [
        ("acs:fc:local:1:services/s/functions/f", "s", "LATEST", "f"),
        ("acs:fc:cn-hangzhou:1:services/s.prod/functions/f", "s", "prod", "f"),
    ])
    func destinationARNsParse(arn: String, service: String, qualifier: String, function: String) throws {
        #expect(
            try DestinationARN.parse(arn)
                == QualifiedFunction(serviceName: service, qualifier: qualifier, functionName: function))
    }

    @Test(arguments: [
        "", "acs:mns:local:1:/queues/q/messages", "acs:fc:local:1:services/s", "fc:services/s/functions/f",
    ])
    func badDestinationARNsAreRefused(arn: String) {
        #expect(throws: NimbusError.self) { try DestinationARN.parse(arn) }
    }
}
