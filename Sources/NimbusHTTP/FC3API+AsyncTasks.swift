import Hummingbird
import NimbusCore
import NimbusInvocation

extension FC3API {
    /// Async tasks: FC 2.0's stateful async invocations under 3.0's names (`taskId`, `taskPayload`, ...).
    func registerAsyncTasks(on api: RouterGroup<NimbusRequestContext>) {
        let tasks = AsyncInvocationAPI(control: control, store: functions.eventStore, dispatcher: functions.events)
        let base = "functions/:function/async-tasks"
        api.get(RouterPath(base + "/:id")) { request, context in
            let (target, id) = try await task(request, context)
            guard let event = try await tasks.store.event(invocationId: id, function: target) else {
                throw Self.taskNotFound(id, try Self.name(context))
            }
            return FCResponse.json(render(event, name: try Self.name(context), includePayload: true))
        }
        api.put(RouterPath(base + "/:id/stop")) { request, context in
            let (target, id) = try await task(request, context)
            let key = AsyncEventKey(
                serviceName: target.serviceName, functionName: target.functionName, invocationId: id)
            guard try await tasks.dispatcher.stop(key, target: target) != nil else {
                throw Self.taskNotFound(id, try Self.name(context))
            }
            return FCResponse.json([:])
        }
        api.get(RouterPath(base)) { request, context in
            let target = try await self.target(request, context)
            var query = ManagementAPI.query(request)
            query["invocationIdPrefix"] = query["prefix"]
            let (filter, limit) = try AsyncInvocationAPI.filter(query, target)
            let page = try await tasks.store.listEvents(filter, limit: limit, nextToken: query["nextToken"])
            let include = query["includePayload"]?.lowercased() == "true"
            let name = try Self.name(context)
            var body: [String: JSONValue] = [
                "tasks": .array(page.items.map { .object(render($0, name: name, includePayload: include)) })
            ]
            if let token = page.nextToken { body["nextToken"] = .string(token) }
            return FCResponse.json(body)
        }
    }

    func target(_ request: Request, _ context: NimbusRequestContext) async throws -> QualifiedFunction {
        let address = try await control.fc3Address(try Self.name(context))
        return QualifiedFunction(
            serviceName: address.service, qualifier: Self.qualifier(request), functionName: address.function)
    }

    func task(_ request: Request, _ context: NimbusRequestContext) async throws -> (QualifiedFunction, String) {
        (try await target(request, context), try ManagementAPI.parameter(context, "id"))
    }

    static func taskNotFound(_ id: String, _ name: String) -> NimbusError {
        NimbusError(.asyncTaskNotFound, "async task '\(id)' does not exist for function '\(name)'")
    }

    /// FC 3.0's `AsyncTask` of the function the request named `name`.
    func render(_ event: AsyncEvent, name: String, includePayload: Bool) -> [String: JSONValue] {
        var fields = AsyncInvocationAPI.representation(event, includePayload: includePayload)
        fields["taskId"] = fields.removeValue(forKey: "invocationId")
        fields["taskErrorMessage"] = fields.removeValue(forKey: "invocationErrorMessage")
        fields["taskPayload"] = fields.removeValue(forKey: "invocationPayload")
        fields["serviceName"] = nil
        fields["functionName"] = nil
        fields["functionArn"] = .string(
            FC3Representations.arn(name, region: control.region, accountId: control.credentials.accountId))
        return fields
    }
}
