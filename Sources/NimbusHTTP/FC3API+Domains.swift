import Hummingbird
import NimbusCore

extension FC3API {
    /// Custom domains: 3.0 routes name a function (and qualifier), no service; underneath they are 2.0 routes.
    func registerDomains(on api: RouterGroup<NimbusRequestContext>) {
        api.post("custom-domains") { request, _ in
            let record = try await control.createDomain(Self.domainToCore(try await management.fields(request)))
            return FCResponse.json(try await renderDomain(record))
        }
        api.get("custom-domains") { request, _ in
            let page = try await control.listDomains(try PageQuery(query: ManagementAPI.query(request)))
            var items: [[String: JSONValue]] = []
            for record in page.items { items.append(try await renderDomain(record)) }
            return FCResponse.json(Representations.list("customDomains", items, nextToken: page.nextToken))
        }
        api.get("custom-domains/:domain") { _, context in
            let record = try await control.domain(try ManagementAPI.parameter(context, "domain"))
            return FCResponse.json(try await renderDomain(record))
        }
        api.put("custom-domains/:domain") { request, context in
            let record = try await control.updateDomain(
                try ManagementAPI.parameter(context, "domain"), Self.domainToCore(try await management.fields(request)))
            return FCResponse.json(try await renderDomain(record))
        }
        api.delete("custom-domains/:domain") { _, context in
            try await control.deleteDomain(try ManagementAPI.parameter(context, "domain"))
            return FCResponse.noContent()
        }
    }

    /// Each route's `functionName` (a 3.0 name) as the 2.0 service and function.
    static func domainToCore(_ fields: [String: JSONValue]) -> [String: JSONValue] {
        guard var routeConfig = fields["routeConfig"]?.objectValue, let routes = routeConfig["routes"]?.arrayValue
        else { return fields }
        routeConfig["routes"] = .array(
            routes.map { route in
                guard var route = route.objectValue, let name = route["functionName"]?.stringValue else { return route }
                let address = FC3Name(name)
                route["serviceName"] = .string(address.service)
                route["functionName"] = .string(address.function)
                return .object(route)
            })
        var fields = fields
        fields["routeConfig"] = .object(routeConfig)
        return fields
    }

    func renderDomain(_ record: CustomDomainRecord) async throws -> [String: JSONValue] {
        var fields = Representations.domain(record, accountId: control.credentials.accountId)
        fields["apiVersion"] = .string(APIVersion.fc20230330.rawValue)
        var routes: [JSONValue] = []
        for route in record.spec.routeConfig?.routes ?? [] {
            var shown = FCJSON.fields(of: route)
            let service = try await control.store.service(named: route.serviceName)
            shown["functionName"] = .string(
                service.map { FC3Name.name(service: $0, function: route.functionName) }
                    ?? "\(route.serviceName)$\(route.functionName)")
            shown["serviceName"] = nil
            shown["qualifier"] = .string(route.qualifier ?? "LATEST")
            routes.append(.object(shown))
        }
        fields["routeConfig"] = .object(["routes": .array(routes)])
        return fields
    }
}
