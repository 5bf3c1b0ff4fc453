import Foundation
import Hummingbird
import NimbusCore

extension ManagementAPI {
    func registerTriggers(on api: RouterGroup<NimbusRequestContext>, version: APIVersion) {
        let render = { @Sendable (record: TriggerRecord) throws in try Self.trigger(record, version: version) }
        let path = "services/:service/functions/:function/triggers"
        api.post(RouterPath(path)) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let record = try await control.createTrigger(
                service: service, function: function, try Self.triggerConfigObject(try await fields(request)))
            functionChanged(service, function)
            return FCResponse.json(try render(record), etag: record.meta.etag)
        }
        api.get(RouterPath(path)) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let result = try await control.listTriggers(
                service: service, function: function, try PageQuery(query: Self.query(request)))
            return FCResponse.json(
                Representations.list("triggers", try result.items.map(render), nextToken: result.nextToken)
            )
        }
        api.get(RouterPath(path + "/:trigger")) { _, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let record = try await control.trigger(
                try Self.parameter(context, "trigger"), function: function, service: service)
            return FCResponse.json(try render(record), etag: record.meta.etag)
        }
        api.put(RouterPath(path + "/:trigger")) { request, context in
            let (service, function) = try Self.serviceAndFunction(context)
            let record = try await control.updateTrigger(
                try Self.parameter(context, "trigger"), function: function, service: service,
                try Self.triggerConfigObject(try await fields(request)), ifMatch: Self.ifMatch(request))
            functionChanged(service, function)
            return FCResponse.json(try render(record), etag: record.meta.etag)
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

    /// `triggerConfig` as an object: 2016-08-15 clients send one, 2021-04-06 clients a JSON string (its SDK's
    /// type is `str`); either is accepted on either prefix. Keys stay as sent, as in any free-form map.
    static func triggerConfigObject(_ fields: [String: JSONValue]) throws(NimbusError) -> [String: JSONValue] {
        guard case .string(let text)? = fields["triggerConfig"] else { return fields }
        let parsed: JSONValue
        do {
            parsed = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw .invalidArgument("triggerConfig must be a JSON object, or a string holding one")
        }
        guard case .object = parsed else {
            throw .invalidArgument("triggerConfig must be a JSON object, or a string holding one")
        }
        var fields = fields
        fields["triggerConfig"] = parsed
        return fields
    }

    /// A trigger as the prefix prints it: 2021-04-06 gives `triggerConfig` as a JSON string.
    static func trigger(_ record: TriggerRecord, version: APIVersion) throws(NimbusError) -> [String: JSONValue] {
        var fields = Representations.trigger(record)
        guard version == .fc20210406, let config = fields["triggerConfig"], config != .null else { return fields }
        do {
            fields["triggerConfig"] = .string(String(decoding: try FCJSON.makeEncoder().encode(config), as: UTF8.self))
        } catch {
            throw NimbusError(.internalServerError, "trigger '\(record.meta.name)' has a config that is not JSON")
        }
        return fields
    }

    static func serviceAndFunction(_ context: NimbusRequestContext) throws -> (String, String) {
        (try parameter(context, "service"), try parameter(context, "function"))
    }
}
