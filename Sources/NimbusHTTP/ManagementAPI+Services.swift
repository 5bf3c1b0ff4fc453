import Hummingbird
import NimbusCore

extension ManagementAPI {
    func registerServices(on api: RouterGroup<NimbusRequestContext>) {
        api.get("account-settings") { _, _ in
            FCResponse.json(["availableAZs": .array([.string("\(control.region)-a")])])
        }
        api.post("services") { request, _ in
            let record = try await control.createService(try await fields(request))
            return FCResponse.json(Representations.service(record), etag: record.meta.etag)
        }
        api.get("services") { request, _ in
            let query = Self.query(request)
            let page = try PageQuery(query: query)
            var tags: [String: String] = [:]
            for (key, value) in query where key.hasPrefix("tag_") { tags[String(key.dropFirst(4))] = value }
            let result = try await control.listServices(page, tags: tags)
            return FCResponse.json(
                Representations.list("services", result.items.map(Representations.service), nextToken: result.nextToken)
            )
        }
        api.get("services/:service") { request, context in
            let (service, qualifier) = try Self.qualified(request, context)
            let record = try await control.service(service, qualifier: qualifier)
            return FCResponse.json(Representations.service(record), etag: record.meta.etag)
        }
        api.put("services/:service") { request, context in
            let record = try await control.updateService(
                try Self.parameter(context, "service"), try await fields(request), ifMatch: Self.ifMatch(request))
            return FCResponse.json(Representations.service(record), etag: record.meta.etag)
        }
        api.delete("services/:service") { request, context in
            try await control.deleteService(try Self.parameter(context, "service"), ifMatch: Self.ifMatch(request))
            return FCResponse.noContent()
        }
    }
}
