import Hummingbird
import NimbusCore

extension ManagementAPI {
    func registerTriggers(on api: RouterGroup<NimbusRequestContext>) {
        let path = "services/:service/functions/:function/triggers"
        api.post(RouterPath(path)) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let record = try await control.createTrigger(
                service: service, function: function, try await fields(request))
            functionChanged(service, function)
            return FCResponse.json(Representations.trigger(record), etag: record.meta.etag)
        }
        api.get(RouterPath(path)) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let result = try await control.listTriggers(
                service: service, function: function, try PageQuery(query: Self.query(request)))
            return FCResponse.json(
                Representations.list("triggers", result.items.map(Representations.trigger), nextToken: result.nextToken)
            )
        }
        api.get(RouterPath(path + "/:trigger")) { _, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let record = try await control.trigger(
                try Self.parameter(context, "trigger"), function: function, service: service)
            return FCResponse.json(Representations.trigger(record), etag: record.meta.etag)
        }
        api.put(RouterPath(path + "/:trigger")) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let record = try await control.updateTrigger(
                try Self.parameter(context, "trigger"), function: function, service: service,
                try await fields(request), ifMatch: Self.ifMatch(request))
            functionChanged(service, function)
            return FCResponse.json(Representations.trigger(record), etag: record.meta.etag)
        }
        api.delete(RouterPath(path + "/:trigger")) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            try await control.deleteTrigger(
                try Self.parameter(context, "trigger"), function: function, service: service,
                ifMatch: Self.ifMatch(request))
            functionChanged(service, function)
            return FCResponse.noContent()
        }
    }

    static func serviceAndFunction(_ context: NimbusRequestContext) throws -> (String, String) {
        (try parameter(context, "service"), try parameter(context, "function"))
    }
}
