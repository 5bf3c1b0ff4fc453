import Foundation
import Hummingbird
import NimbusCore
import NimbusInvocation

/// FC's stateful async invocations: an event's status, attempts and result by id, listings, and stop.
struct AsyncInvocationAPI: Sendable {
    let control: ControlPlane
    let store: any AsyncEventStore
    let dispatcher: any AsyncInvocationQueue

    func register(on api: RouterGroup<NimbusRequestContext>) {
        let base = "services/:service/functions/:function/stateful-async-invocations"
        api.get(RouterPath(base + "/:id")) { request, context in
            let (target, id) = try await locate(request, context)
            guard let event = try await store.event(invocationId: id, function: target) else {
                throw Self.notFound(id, target)
            }
            return FCResponse.json(Self.representation(event, includePayload: true))
        }
        api.put(RouterPath(base + "/:id")) { request, context in
            let (target, id) = try await locate(request, context)
            let key = AsyncEventKey(
                serviceName: target.serviceName, functionName: target.functionName, invocationId: id)
            guard try await dispatcher.stop(key, target: target) != nil else {
                throw Self.notFound(id, target)
            }
            return FCResponse.json([:])
        }
        api.get(RouterPath(base)) { request, context in
            let target = try await function(request, context)
            let query = ManagementAPI.query(request)
            let (filter, limit) = try Self.filter(query, target)
            let page = try await store.listEvents(filter, limit: limit, nextToken: query["nextToken"])
            let include = query["includePayload"]?.lowercased() == "true"
            var body: [String: JSONValue] = [
                "invocations": .array(page.items.map { .object(Self.representation($0, includePayload: include)) })
            ]
            if let token = page.nextToken { body["nextToken"] = .string(token) }
            return FCResponse.json(body)
        }
    }

    func function(_ request: Request, _ context: NimbusRequestContext) async throws -> QualifiedFunction {
        let (service, qualifier) = try ManagementAPI.qualified(request, context)
        let function = try ManagementAPI.parameter(context, "function")
        _ = try await control.function(function, service: service)
        return QualifiedFunction(serviceName: service, qualifier: qualifier, functionName: function)
    }

    func locate(_ request: Request, _ context: NimbusRequestContext) async throws -> (QualifiedFunction, String) {
        (try await function(request, context), try ManagementAPI.parameter(context, "id"))
    }

    static func notFound(_ id: String, _ target: QualifiedFunction) -> NimbusError {
        NimbusError(
            .asyncInvocationNotFound,
            "async invocation '\(id)' does not exist for function '\(target.functionName)'")
    }

    static func filter(_ query: [String: String], _ target: QualifiedFunction) throws(NimbusError)
        -> (AsyncEventFilter, Int)
    {
        var filter = AsyncEventFilter(function: target)
        if let text = query["status"], !text.isEmpty {
            guard let status = AsyncEvent.Status(rawValue: text) else {
                let known = AsyncEvent.Status.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidArgument("status '\(text)' is not one of \(known)")
            }
            filter.status = status
        }
        filter.startedAfter = try milliseconds(query, "startedTimeBegin")
        filter.startedBefore = try milliseconds(query, "startedTimeEnd")
        filter.invocationIdPrefix = query["invocationIdPrefix"].flatMap { $0.isEmpty ? nil : $0 }
        filter.newestFirst = query["sortOrderByTime"]?.lowercased() == "desc"
        var limit = 50
        if let text = query["limit"], !text.isEmpty {
            limit = try Bounded.integer(text, "limit", in: 1...100)
        }
        return (filter, limit)
    }

    static func milliseconds(_ query: [String: String], _ key: String) throws(NimbusError) -> Date? {
        guard let text = query[key], !text.isEmpty else { return nil }
        return try Bounded.epoch(text, key, scale: 1000)
    }

    /// FC's `StatefulAsyncInvocation`, times in milliseconds; `attempts`, `redeliveries` and `enqueuedTime` are
    /// Nimbus's additions.
    static func representation(_ event: AsyncEvent, includePayload: Bool) -> [String: JSONValue] {
        func ms(_ date: Date?) -> JSONValue {
            date.map { .number(($0.timeIntervalSince1970 * 1000).rounded()) } ?? .null
        }
        var fields: [String: JSONValue] = [
            "serviceName": .string(event.target.serviceName), "functionName": .string(event.target.functionName),
            "qualifier": .string(event.target.qualifier), "invocationId": .string(event.invocationId),
            "requestId": .string(event.requestId), "status": .string(event.status.rawValue),
            "startedTime": ms(event.startedTime), "endTime": ms(event.endTime),
            "durationMs": event.durationMs.map { .number(Double($0)) } ?? .null,
            "destinationStatus": .string(event.destinationStatus ?? ""),
            "invocationErrorMessage": .string(event.errorMessage ?? ""),
            "alreadyRetriedTimes": .number(Double(event.retriedTimes)),
            "instanceId": .string(event.instanceId ?? ""),
            "attempts": .number(Double(event.attempts)), "redeliveries": .number(Double(event.redeliveries)),
            "enqueuedTime": ms(event.enqueuedTime),
            "events": .array(
                event.history.enumerated().map { index, step in
                    .object([
                        "eventId": .number(Double(index + 1)), "status": .string(step.status),
                        "timestamp": ms(step.time), "eventDetail": .string(step.detail),
                    ])
                }),
        ]
        if includePayload {
            fields["invocationPayload"] = .string(String(decoding: event.payload, as: UTF8.self))
            fields["returnPayload"] = .string(String(decoding: event.result ?? [], as: UTF8.self))
        }
        return fields
    }
}
