import Hummingbird
import NimbusCore

extension FC3API {
    /// Versions and aliases: per function in 3.0, the service's underneath (one function per 3.0 service).
    func registerReleases(on api: RouterGroup<NimbusRequestContext>) {
        api.post("functions/:function/versions") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let fields = try await management.fields(request)
            let record = try await control.publishVersion(
                service: address.service, description: fields["description"]?.stringValue)
            return FCResponse.json(Representations.version(record))
        }
        api.get("functions/:function/versions") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let query = ManagementAPI.query(request)
            let direction = (query["direction"] ?? "BACKWARD").uppercased()
            let page = try await control.listVersions(
                service: address.service, try PageQuery(query: query), direction: direction)
            var body = Representations.list(
                "versions", page.items.map(Representations.version), nextToken: page.nextToken)
            body["direction"] = .string(direction)
            return FCResponse.json(body)
        }
        api.delete("functions/:function/versions/:version") { _, context in
            let address = try await control.fc3Address(try Self.name(context))
            try await control.deleteVersion(try ManagementAPI.parameter(context, "version"), service: address.service)
            return FCResponse.noContent()
        }
        api.post("functions/:function/aliases") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let record = try await control.createAlias(service: address.service, try await management.fields(request))
            return FCResponse.json(Representations.alias(record), etag: record.meta.etag)
        }
        api.get("functions/:function/aliases") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let page = try await control.listAliases(
                service: address.service, try PageQuery(query: ManagementAPI.query(request)))
            return FCResponse.json(
                Representations.list("aliases", page.items.map(Representations.alias), nextToken: page.nextToken))
        }
        api.get("functions/:function/aliases/:alias") { _, context in
            let address = try await control.fc3Address(try Self.name(context))
            let record = try await control.alias(
                try ManagementAPI.parameter(context, "alias"), service: address.service)
            return FCResponse.json(Representations.alias(record), etag: record.meta.etag)
        }
        api.put("functions/:function/aliases/:alias") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let record = try await control.updateAlias(
                try ManagementAPI.parameter(context, "alias"), service: address.service,
                try await management.fields(request), ifMatch: ManagementAPI.ifMatch(request))
            return FCResponse.json(Representations.alias(record), etag: record.meta.etag)
        }
        api.delete("functions/:function/aliases/:alias") { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            try await control.deleteAlias(
                try ManagementAPI.parameter(context, "alias"), service: address.service,
                ifMatch: ManagementAPI.ifMatch(request))
            return FCResponse.noContent()
        }
    }

    /// Triggers: `triggerConfig` a JSON string both ways, as on 2021-04-06.
    func registerTriggers(on api: RouterGroup<NimbusRequestContext>) {
        let path = "functions/:function/triggers"
        // `name` as the request wrote it (the function's 3.0 name, or `service$function`).
        let render = { @Sendable (record: TriggerRecord, address: FC3Name, name: String, request: Request) throws in
            try FC3Representations.trigger(
                record, name: name, address: address, baseURL: ManagementAPI.baseURL(request),
                region: control.region, accountId: control.credentials.accountId)
        }
        api.post(RouterPath(path)) { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let record = try await control.createTrigger(
                service: address.service, function: address.function,
                try ManagementAPI.triggerConfigObject(try await management.fields(request)))
            management.functionChanged(address.service, address.function)
            return FCResponse.json(try render(record, address, try Self.name(context), request), etag: record.meta.etag)
        }
        api.get(RouterPath(path)) { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let page = try await control.listTriggers(
                service: address.service, function: address.function, try PageQuery(query: ManagementAPI.query(request))
            )
            return FCResponse.json(
                Representations.list(
                    "triggers", try page.items.map { try render($0, address, try Self.name(context), request) },
                    nextToken: page.nextToken))
        }
        api.get(RouterPath(path + "/:trigger")) { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let record = try await control.trigger(
                try ManagementAPI.parameter(context, "trigger"), function: address.function, service: address.service)
            return FCResponse.json(try render(record, address, try Self.name(context), request), etag: record.meta.etag)
        }
        api.put(RouterPath(path + "/:trigger")) { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            let record = try await control.updateTrigger(
                try ManagementAPI.parameter(context, "trigger"), function: address.function, service: address.service,
                try ManagementAPI.triggerConfigObject(try await management.fields(request)),
                ifMatch: ManagementAPI.ifMatch(request))
            management.functionChanged(address.service, address.function)
            return FCResponse.json(try render(record, address, try Self.name(context), request), etag: record.meta.etag)
        }
        api.delete(RouterPath(path + "/:trigger")) { request, context in
            let address = try await control.fc3Address(try Self.name(context))
            try await control.deleteTrigger(
                try ManagementAPI.parameter(context, "trigger"), function: address.function, service: address.service,
                ifMatch: ManagementAPI.ifMatch(request))
            management.functionChanged(address.service, address.function)
            return FCResponse.noContent()
        }
    }
}
