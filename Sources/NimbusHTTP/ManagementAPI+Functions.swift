import HTTPTypes
import Hummingbird
import NimbusCore

extension ManagementAPI {
    static let codeChecksumHeader = HTTPField.Name("x-fc-code-checksum")!

    func registerFunctions(on api: RouterGroup<NimbusRequestContext>) {
        api.post("services/:service/functions") { request, context in
            let service = try Self.parameter(context, "service")
            let record = try await control.createFunction(
                service: service, try await fields(request), codeChecksum: request.headers[Self.codeChecksumHeader])
            functionChanged(service, record.name)
            return FCResponse.json(Representations.function(record), etag: record.meta.etag)
        }
        api.get("services/:service/functions") { request, context in
            let (service, qualifier) = try Self.qualified(request, context)
            let page = try PageQuery(query: Self.query(request))
            let result =
                if let snapshot = try await control.snapshot(service: service, qualifier: qualifier) {
                    page.apply(to: snapshot.functions, name: \.name)
                } else {
                    try await control.listFunctions(service: service, page)
                }
            return FCResponse.json(
                Representations.list(
                    "functions", result.items.map(Representations.function), nextToken: result.nextToken))
        }
        api.get("services/:service/functions/:function") { request, context in
            let record = try await readFunction(request, context)
            return FCResponse.json(Representations.function(record), etag: record.meta.etag)
        }
        api.put("services/:service/functions/:function") { request, context in
            let service = try Self.parameter(context, "service")
            let record = try await control.updateFunction(
                try Self.parameter(context, "function"), service: service, try await fields(request),
                ifMatch: Self.ifMatch(request), codeChecksum: request.headers[Self.codeChecksumHeader])
            functionChanged(service, record.name)
            return FCResponse.json(Representations.function(record), etag: record.meta.etag)
        }
        api.delete("services/:service/functions/:function") { request, context in
            try await control.deleteFunction(
                try Self.parameter(context, "function"), service: try Self.parameter(context, "service"),
                ifMatch: Self.ifMatch(request))
            return FCResponse.noContent()
        }
        api.get("services/:service/functions/:function/code") { request, context in
            let record = try await readFunction(request, context)
            let url = codeLinks.url(base: Self.baseURL(request), digest: record.code.digest)
            return FCResponse.json(["url": .string(url), "checksum": .string(record.code.checksum)])
        }
    }

    /// A function addressed through `{service}.{qualifier}`: LATEST, or as a version or alias holds it.
    func readFunction(_ request: Request, _ context: NimbusRequestContext) async throws -> FunctionRecord {
        let (service, qualifier) = try Self.qualified(request, context)
        let name = try Self.parameter(context, "function")
        guard let snapshot = try await control.snapshot(service: service, qualifier: qualifier) else {
            return try await control.function(name, service: service)
        }
        guard let record = snapshot.function(named: name) else {
            throw NimbusError(
                .functionNotFound, "function '\(name)' does not exist in service '\(service)' at '\(qualifier)'")
        }
        return record
    }
}
