import HTTPTypes
import Hummingbird
import NimbusCore

extension ManagementAPI {
    /// Parts of the 2016-08-15 surface whose behaviour arrives with later work. They answer in FC's shapes:
    /// empty lists where that is the truth, not-found for reads, and `NotImplemented` for writes.
    func registerNotYetServed(on api: RouterGroup<NimbusRequestContext>) {
        api.get("reservedCapacities") { _, _ in FCResponse.json(["reservedCapacities": .array([])]) }
        api.get("layers") { _, _ in FCResponse.json(["layers": .array([])]) }

        api.get("services/:service/versions") { request, context in
            _ = try await control.service(try Self.parameter(context, "service"))
            let direction = Self.query(request)["direction"] ?? "BACKWARD"
            return FCResponse.json(["versions": .array([]), "direction": .string(direction)])
        }
        api.get("services/:service/aliases") { _, context in
            _ = try await control.service(try Self.parameter(context, "service"))
            return FCResponse.json(["aliases": .array([])])
        }
        api.get("services/:service/aliases/:alias") { _, context -> Response in
            let service = try Self.parameter(context, "service")
            _ = try await control.service(service)
            let alias = try Self.parameter(context, "alias")
            throw NimbusError(.aliasNotFound, "alias '\(alias)' does not exist in service '\(service)'")
        }
        api.get("custom-domains") { _, _ in FCResponse.json(["customDomains": .array([])]) }
        api.get("custom-domains/:domain") { _, context -> Response in
            throw NimbusError(.domainNameNotFound, "domain '\(try Self.parameter(context, "domain"))' does not exist")
        }

        let pending: [(HTTPRequest.Method, String, String)] = [
            (.post, "services/:service/versions", "versions"),
            (.delete, "services/:service/versions/:version", "versions"),
            (.post, "services/:service/aliases", "aliases"),
            (.put, "services/:service/aliases/:alias", "aliases"),
            (.delete, "services/:service/aliases/:alias", "aliases"),
            (.post, "custom-domains", "custom domains"),
            (.put, "custom-domains/:domain", "custom domains"),
            (.delete, "custom-domains/:domain", "custom domains"),
        ]
        for (method, path, feature) in pending {
            api.on(RouterPath(path), method: method) { _, _ -> Response in
                throw NimbusError(.notImplemented, "\(feature) are not available in this Nimbus build yet")
            }
        }
    }
}
