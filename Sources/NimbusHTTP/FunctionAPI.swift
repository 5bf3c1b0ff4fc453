import CoreMetrics
import Foundation
import Hummingbird
import Logging
import NimbusCore
import NimbusInvocation

/// Everything that runs functions: invocations, HTTP triggers, logs and instance listings.
package struct FunctionAPI: Sendable {
    let runner: FunctionRunner
    let authenticator: RequestAuthenticator
    let events: any AsyncInvocationQueue
    let eventStore: any AsyncEventStore
    let httpsPort: Int?
    /// Shared by the custom-domain middleware and the warm lane (one cache).
    let domains: DomainTable

    package init(
        runner: FunctionRunner, authenticator: RequestAuthenticator, events: any AsyncInvocationQueue,
        eventStore: any AsyncEventStore, httpsPort: Int? = nil
    ) {
        self.httpsPort = httpsPort
        self.runner = runner
        self.authenticator = authenticator
        self.events = events
        self.eventStore = eventStore
        self.domains = DomainTable(control: runner.control, changes: runner.changes)
    }

    /// The warm lane for a listener (`secure`: the HTTPS one, where no request is redirected).
    package func warmLane(secure: Bool, metrics: any MetricsFactory, logger: Logger) -> WarmLane {
        WarmLane(
            runner: runner, authenticator: authenticator, domains: domains,
            redirectsPlainHTTP: !secure && httpsPort != nil, secure: secure, metrics: metrics, logger: logger)
    }

    var proxy: ProxyAPI { ProxyAPI(runner: runner, authenticator: authenticator) }

    /// HTTP-trigger calls (`/proxy/` paths, `x-fc-invocation-target`, custom domains) go to their function before any route.
    package func addMiddleware(to router: Router<NimbusRequestContext>) {
        router.add(middleware: CallRouteMiddleware(proxy: proxy, domains: domains, httpsPort: httpsPort))
    }

    package func register(on router: Router<NimbusRequestContext>) {
        for version in APIVersion.fc2 {
            let api = router.group(RouterPath(version.prefix))
            InvocationAPI(runner: runner, events: events).register(on: api)
            AsyncInvocationAPI(control: runner.control, store: eventStore, dispatcher: events).register(on: api)
            registerLogs(on: api)
            registerInstances(on: api)
        }
    }

    /// Nimbus's own addition: a function's log lines, newest last (`since` in ms since the epoch).
    func registerLogs(on api: RouterGroup<NimbusRequestContext>) {
        api.get("services/:service/functions/:function/logs") { request, context in
            let service = try ManagementAPI.parameter(context, "service")
            let function = try ManagementAPI.parameter(context, "function")
            _ = try await runner.control.function(function, service: service)
            let query = ManagementAPI.query(request)
            let since = try query["since"].map { text throws(NimbusError) in
                try Bounded.epoch(text, "since", scale: 1000)
            }
            let limit = min(10_000, max(1, query["limit"].flatMap(Int.init) ?? 1000))
            let lines = await runner.logs(
                service: service, function: function, since: since, limit: limit)
            let items: [JSONValue] = lines.map { line in
                .object([
                    "time": .number((line.time.timeIntervalSince1970 * 1000).rounded()),
                    "requestId": line.requestId.map(JSONValue.string) ?? .null,
                    "instanceId": .string(line.instanceId), "message": .string(line.text),
                ])
            }
            return FCResponse.json(["logs": .array(items)])
        }
    }

    func registerInstances(on api: RouterGroup<NimbusRequestContext>) {
        api.get("services/:service/functions/:function/instances") { request, context in
            let (service, qualifier) = try ManagementAPI.qualified(request, context)
            let function = try ManagementAPI.parameter(context, "function")
            _ = try await runner.deployment(service: service, qualifier: qualifier, function: function)
            // `instanceIds=a&instanceIds=b` (2016-08-15) or `instanceIds.1=a&instanceIds.2=b` (2021-04-06).
            let asked = Set(
                FormQuery.pairs(request.uri.query ?? "").filter { pair in
                    pair.key == "instanceIds" || pair.key.hasPrefix("instanceIds.")
                }.map(\.value))
            let running = await runner.instances(service: service, function: function).filter { instance in
                asked.isEmpty || asked.contains(instance.id)
            }
            let items: [JSONValue] = running.map { instance in
                .object([
                    "instanceId": .string(instance.id), "versionId": .string(instance.versionId),
                    // Nimbus's additions, for `nimbus instances`:
                    "state": .string(instance.state), "createdTime": .string(FCTime.string(instance.createdAt)),
                    "lastUsedTime": .string(FCTime.string(instance.lastUsed)),
                    "callsServed": .number(Double(instance.callsServed)),
                    "activeCalls": .number(Double(instance.activeCalls)),
                    "memoryMB": .number((instance.memoryMB * 100).rounded() / 100),
                ])
            }
            return FCResponse.json(["instances": .array(items)])
        }
    }
}
