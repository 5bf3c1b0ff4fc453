import Foundation
import Logging
import NimbusCore
import NimbusSQLite
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

@testable import NimbusEvents

/// A runner whose functions fail a set number of times, counting every attempt it sees.
final class ScriptedRunner: AsyncEventRunner {
    let failuresBeforeSuccess: [String: Int]
    let policies: [String: AsyncInvokePolicy]
    let seen = Mutex<[String: [Int]]>([:])

    init(failuresBeforeSuccess: [String: Int], policies: [String: AsyncInvokePolicy] = [:]) {
        self.failuresBeforeSuccess = failuresBeforeSuccess
        self.policies = policies
    }

    func policy(for target: QualifiedFunction) async -> AsyncInvokePolicy {
        policies[target.functionName] ?? AsyncInvokePolicy()
    }

    func attempt(_ event: AsyncEvent) async -> AttemptOutcome {
        let tries = seen.withLock { seen in
            seen[event.target.functionName, default: []].append(event.retriedTimes)
            return seen[event.target.functionName]!.count
        }
        if tries <= failuresBeforeSuccess[event.target.functionName, default: 0] {
            return .functionFailed(
                errorType: "UnhandledInvocationError", message: "try \(tries)", result: [], instanceId: "i",
                durationMs: 1)
        }
        return .succeeded(result: Array("done".utf8), instanceId: "i", durationMs: 1)
    }
}

struct AsyncDispatcherTests {
    func store() throws -> SQLiteStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-dispatch-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory.appendingPathComponent("nimbus.sqlite").path)
    }

    func target(_ name: String) -> QualifiedFunction {
        QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: name)
    }

    /// Runs the dispatcher until `done` holds (at most 10 s), then shuts it down gracefully.
    func run(_ dispatcher: AsyncDispatcher, until done: @escaping @Sendable () async throws -> Bool) async throws {
        let group = ServiceGroup(services: [dispatcher], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = Date().addingTimeInterval(10)
            while try await !done(), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func failingEventsAreRetriedThenSentToTheFailureDestination() async throws {
        let store = try store()
        let runner = ScriptedRunner(
            failuresBeforeSuccess: ["flaky": 2, "broken": 100],
            policies: [
                "flaky": AsyncInvokePolicy(maximumRetries: 3),
                "broken": AsyncInvokePolicy(maximumRetries: 1, onFailure: target("sink")),
            ])
        let registry = PrometheusCollectorRegistry()
        let dispatcher = AsyncDispatcher(
            store: store, runner: runner,
            configuration: EventsConfiguration(retryBase: 0.05, pollInterval: 0.02, accountId: "123"),
            metrics: PrometheusMetricsFactory(registry: registry), logger: Logger(label: "test"))
        let now = Date()
        try await dispatcher.accept([
            AsyncEvent(
                invocationId: "f", requestId: "r1", target: target("flaky"), source: .invoke, payload: [],
                stateful: true, enqueuedTime: now),
            AsyncEvent(
                invocationId: "b", requestId: "r2", target: target("broken"), source: .invoke, payload: [],
                stateful: true, enqueuedTime: now),
        ])
        try await run(dispatcher) {
            let broken = try await store.event(invocationId: "b", function: target("broken"))
            let flaky = try await store.event(invocationId: "f", function: target("flaky"))
            return broken?.destinationStatus != nil && flaky?.status == .succeeded
        }
        let flaky = try #require(try await store.event(invocationId: "f", function: target("flaky")))
        #expect(flaky.status == .succeeded)
        #expect(flaky.retriedTimes == 2)
        let broken = try #require(try await store.event(invocationId: "b", function: target("broken")))
        #expect(broken.status == .failed)
        #expect(broken.attempts == 2)
        #expect(broken.destinationStatus == "Succeeded")
        // The function saw retry counts 0, 1, 2: FC's x-fc-retry-count.
        #expect(runner.seen.withLock { $0["flaky"] } == [0, 1, 2])
        #expect(runner.seen.withLock { $0["sink"]?.count } == 1)
        await dispatcher.refreshGauges()
        let metrics = registry.emitToString()
        #expect(metrics.contains("nimbus_async_enqueued_total 2"))
        #expect(metrics.contains(#"nimbus_async_attempts_total{outcome="succeeded"} 2"#))  // flaky, the record
        #expect(metrics.contains(#"nimbus_async_attempts_total{outcome="retried"} 3"#))
        #expect(metrics.contains(#"nimbus_async_attempts_total{outcome="failed"} 1"#))
        #expect(
            metrics.contains(
                #"nimbus_async_events_total{service="svc",function="broken",status="Failed",source="invoke"} 1"#))
        #expect(metrics.contains("nimbus_async_destinations_sent_total 1"))
        #expect(metrics.contains("nimbus_async_backlog 0"))
    }
}
