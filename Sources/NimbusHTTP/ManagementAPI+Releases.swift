import Hummingbird
import NimbusCore

extension ManagementAPI {
    /// Versions (`publish_version`, `list_versions`, `delete_version`) and aliases.
    func registerReleases(on api: RouterGroup<NimbusRequestContext>) {
        api.post("services/:service/versions") { request, context in
            let fields = try await fields(request)
            let record = try await control.publishVersion(
                service: try Self.parameter(context, "service"), description: fields["description"]?.stringValue)
            return FCResponse.json(Representations.version(record))
        }
        api.get("services/:service/versions") { request, context in
            let query = Self.query(request)
            let direction = (query["direction"] ?? "BACKWARD").uppercased()
            let page = try await control.listVersions(
                service: try Self.parameter(context, "service"), try PageQuery(query: query), direction: direction)
            var body = Representations.list(
                "versions", page.items.map(Representations.version), nextToken: page.nextToken)
            body["direction"] = .string(direction)
            return FCResponse.json(body)
        }
        api.get("services/:service/versions/:version") { _, context in
            let record = try await control.version(
                try Self.parameter(context, "version"), service: try Self.parameter(context, "service"))
            return FCResponse.json(Representations.version(record))
        }
        api.delete("services/:service/versions/:version") { _, context in
            try await control.deleteVersion(
                try Self.parameter(context, "version"), service: try Self.parameter(context, "service"))
            return FCResponse.noContent()
        }
        registerAliases(on: api)
    }

    func registerAliases(on api: RouterGroup<NimbusRequestContext>) {
        api.post("services/:service/aliases") { request, context in
            let record = try await control.createAlias(
                service: try Self.parameter(context, "service"), try await fields(request))
            return FCResponse.json(Representations.alias(record), etag: record.meta.etag)
        }
        api.get("services/:service/aliases") { request, context in
            let page = try await control.listAliases(
                service: try Self.parameter(context, "service"), try PageQuery(query: Self.query(request)))
            return FCResponse.json(
                Representations.list("aliases", page.items.map(Representations.alias), nextToken: page.nextToken))
        }
        api.get("services/:service/aliases/:alias") { _, context in
            let record = try await control.alias(
                try Self.parameter(context, "alias"), service: try Self.parameter(context, "service"))
            return FCResponse.json(Representations.alias(record), etag: record.meta.etag)
        }
        api.put("services/:service/aliases/:alias") { request, context in
            let record = try await control.updateAlias(
                try Self.parameter(context, "alias"), service: try Self.parameter(context, "service"),
                try await fields(request), ifMatch: Self.ifMatch(request))
            return FCResponse.json(Representations.alias(record), etag: record.meta.etag)
        }
        api.delete("services/:service/aliases/:alias") { request, context in
            try await control.deleteAlias(
                try Self.parameter(context, "alias"), service: try Self.parameter(context, "service"),
                ifMatch: Self.ifMatch(request))
            return FCResponse.noContent()
        }
    }

    func registerDomains(on api: RouterGroup<NimbusRequestContext>) {
        let accountId = control.credentials.accountId
        api.post("custom-domains") { request, _ in
            let record = try await control.createDomain(try await fields(request))
            return FCResponse.json(Representations.domain(record, accountId: accountId))
        }
        api.get("custom-domains") { request, _ in
            let page = try await control.listDomains(try PageQuery(query: Self.query(request)))
            return FCResponse.json(
                Representations.list(
                    "customDomains", page.items.map { Representations.domain($0, accountId: accountId) },
                    nextToken: page.nextToken))
        }
        api.get("custom-domains/:domain") { _, context in
            let record = try await control.domain(try Self.parameter(context, "domain"))
            return FCResponse.json(Representations.domain(record, accountId: accountId))
        }
        api.put("custom-domains/:domain") { request, context in
            let record = try await control.updateDomain(
                try Self.parameter(context, "domain"), try await fields(request))
            return FCResponse.json(Representations.domain(record, accountId: accountId))
        }
        api.delete("custom-domains/:domain") { _, context in
            try await control.deleteDomain(try Self.parameter(context, "domain"))
            return FCResponse.noContent()
        }
    }
}
