import Foundation
import NimbusCore
import NimbusSQLite
import Testing

/// The durable queue's contract, on SQLite (the same file as the metadata).
struct AsyncEventStoreTests {
    let store: SQLiteStore
    let path: String
    let target = QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: "fn")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-events-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("nimbus.sqlite").path
        store = try SQLiteStore(path: path)
    }

    func event(_ id: String, at time: Date? = nil, stateful: Bool = true) -> AsyncEvent {
        AsyncEvent(
            invocationId: id, requestId: "req-\(id)", target: target, source: .invoke, payload: Array(id.utf8),
            stateful: stateful, enqueuedTime: time ?? now)
    }

    @Test func claimHandsOutDueEventsOnceInOrder() async throws {
        try await store.enqueue([event("a"), event("b", at: now + 1), event("later", at: now + 60)])
        let first = try await store.claim(now: now + 2, limit: 10)
        #expect(first.map(\.invocationId) == ["a", "b"])
        #expect(first.allSatisfy { $0.status == .running && $0.attempts == 1 })
        #expect(try await store.claim(now: now + 2, limit: 10).isEmpty)
        #expect(try await store.claim(now: now + 61, limit: 10).map(\.invocationId) == ["later"])
    }

    @Test func duplicateInvocationIdsAreRefused() async throws {
        try await store.enqueue([event("same")])
        let error = await #expect(throws: NimbusError.self) { try await store.enqueue([event("same")]) }
        #expect(error?.code == .asyncInvocationAlreadyExists)
    }

    @Test func settleWritesTheOutcomeAndItsDestinationRecordTogether() async throws {
        try await store.enqueue([event("a")])
        let running = try #require(try await store.claim(now: now, limit: 1).first)
        let sink = QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: "sink")
        let transition = AsyncAttempts.finish(
            running, .succeeded(result: Array("ok".utf8), instanceId: "i1", durationMs: 7),
            policy: AsyncInvokePolicy(onSuccess: sink), now: now + 1)
        var record = AsyncEvent(
            invocationId: "dst-1", requestId: "d1", target: sink, source: .destination, payload: [], stateful: true,
            enqueuedTime: now + 1)
        record.parent = running.key
        #expect(try await store.settle(transition.event, follow: record))
        let stored = try #require(try await store.event(invocationId: "a", function: target))
        #expect(stored.status == .succeeded)
        #expect(stored.result == Array("ok".utf8))
        #expect(stored.durationMs == 7)
        #expect(stored.history.map(\.status) == ["Enqueued", "Running", "Succeeded"])
        // The destination record runs and its outcome shows on the original event.
        let delivered = try #require(try await store.claim(now: now + 2, limit: 1).first)
        #expect(delivered.invocationId == "dst-1")
        let done = AsyncAttempts.finish(
            delivered, .succeeded(result: [], instanceId: "i2", durationMs: 1), policy: AsyncInvokePolicy(),
            now: now + 3)
        try await store.settle(done.event, follow: nil)
        #expect(try await store.event(invocationId: "a", function: target)?.destinationStatus == "Succeeded")
    }

    @Test func aStoppedEventKeepsItsStateWhenItsAttemptEnds() async throws {
        try await store.enqueue([event("a"), event("b")])
        let running = try await store.claim(now: now, limit: 1)
        #expect(try await store.stop(invocationId: "a", function: target, now: now)?.status == .stopped)
        #expect(try await store.stop(invocationId: "b", function: target, now: now)?.status == .stopped)
        let late = AsyncAttempts.finish(
            running[0], .succeeded(result: [], instanceId: "i", durationMs: 1), policy: AsyncInvokePolicy(), now: now)
        #expect(try await store.settle(late.event, follow: nil) == false)
        #expect(try await store.event(invocationId: "a", function: target)?.status == .stopped)
        #expect(try await store.claim(now: now + 10, limit: 10).isEmpty)
        #expect(try await store.stop(invocationId: "missing", function: target, now: now) == nil)
    }

    @Test func eventsRunningAtACrashAreQueuedAgainAfterReopening() async throws {
        try await store.enqueue([event("a"), event("b")])
        _ = try await store.claim(now: now, limit: 2)
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.requeueInterrupted(now: now + 5) == 2)
        let again = try await reopened.claim(now: now + 5, limit: 10)
        #expect(again.map(\.invocationId).sorted() == ["a", "b"])
        #expect(again.allSatisfy { $0.attempts == 1 && $0.redeliveries == 1 })
    }

    @Test func listingFiltersAndPages() async throws {
        try await store.enqueue((0..<5).map { event("e\($0)") } + [event("hidden", stateful: false)])
        _ = try await store.claim(now: now, limit: 2)
        var filter = AsyncEventFilter(function: target)
        let page = try await store.listEvents(filter, limit: 3, nextToken: nil)
        #expect(page.items.map(\.invocationId) == ["e0", "e1", "e2"])
        let rest = try await store.listEvents(filter, limit: 3, nextToken: page.nextToken)
        #expect(rest.items.map(\.invocationId) == ["e3", "e4"])
        #expect(rest.nextToken == nil)
        filter.status = .running
        #expect(try await store.listEvents(filter, limit: 10, nextToken: nil).items.count == 2)
        filter.status = nil
        filter.newestFirst = true
        #expect(try await store.listEvents(filter, limit: 1, nextToken: nil).items.first?.invocationId == "e4")
        let statistics = try await store.queueStatistics(now: now + 10, function: nil)
        let other = QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: "other")
        #expect(try await store.queueStatistics(now: now + 10, function: other).byStatus.isEmpty)
        #expect(try await store.queueStatistics(now: now + 10, function: target).queued == 4)
        #expect(statistics.queued == 4)
        #expect(statistics.running == 2)
        #expect(statistics.oldestQueuedAge == 10)
    }

    @Test func aTimerTickFiresOnceEvenWhenAskedTwice() async throws {
        let tick = now + 60
        let timerEvent = AsyncEvent(
            invocationId: "t-1", requestId: "r", target: target, source: .timer, payload: [], stateful: false,
            enqueuedTime: tick)
        #expect(try await store.fire(trigger: "trigger-id", tick: tick, event: timerEvent))
        var again = timerEvent
        again.invocationId = "t-2"
        #expect(try await store.fire(trigger: "trigger-id", tick: tick, event: again) == false)
        #expect(try await store.lastTick(trigger: "trigger-id") == tick)
        #expect(try await store.claim(now: tick, limit: 10).count == 1)
    }

    @Test func pruningRemovesOnlyOldFinishedEvents() async throws {
        try await store.enqueue([event("done"), event("waiting")])
        let running = try #require(try await store.claim(now: now, limit: 1).first)
        let finished = AsyncAttempts.finish(
            running, .succeeded(result: [], instanceId: "i", durationMs: 1), policy: AsyncInvokePolicy(), now: now)
        try await store.settle(finished.event, follow: nil)
        #expect(try await store.pruneFinished(before: now + 1, keep: 1000) == 1)
        #expect(try await store.event(invocationId: "waiting", function: target) != nil)
    }
}
