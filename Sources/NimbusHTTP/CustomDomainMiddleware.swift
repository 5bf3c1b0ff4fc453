import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore

/// Requests whose `Host` is a custom domain go to the function its most specific route names, on the same
/// listener as the API. The function sees the request's own path (`/items/3`), as on FC.
struct CustomDomainMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext
    let proxy: ProxyAPI
    let domains: DomainTable
    /// The HTTPS listener's port, if there is one.
    let httpsPort: Int?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let host = request.head.authority.map(Self.hostName), let domain = try await domains.domain(host) else {
            return try await next(request, context)
        }
        let path = request.uri.path
        // An HTTPS-only domain asked over plain HTTP: the same request, over HTTPS (308 keeps the method).
        if !domain.spec.servesHTTP, let httpsPort, context.localPort != httpsPort {
            var headers = HTTPFields()
            headers[.location] = "https://\(domain.domainName):\(httpsPort)\(request.uri.description)"
            return Response(status: .permanentRedirect, headers: headers)
        }
        guard let route = domain.spec.route(path: path, method: request.method.rawValue) else {
            throw NimbusError(
                .routeNotFound,
                "custom domain '\(domain.domainName)' has no route for \(request.method.rawValue) \(path)")
        }
        let qualifier = route.qualifier.map { $0.isEmpty ? "" : ".\($0)" } ?? ""
        return try await proxy.proxy(
            request, context, segment: route.serviceName + qualifier, function: route.functionName, path: path)
    }

    /// `Catalog.localhost:8080` -> `catalog.localhost`; IPv6 literals keep their brackets and are never domains.
    static func hostName(_ authority: String) -> String {
        guard !authority.hasPrefix("[") else { return authority }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
    }
}

/// Custom domains by name, cached until the next metadata write.
struct DomainTable: Sendable {
    let control: ControlPlane
    let changes: ChangeCounter
    let cache = GenerationCache<CustomDomainRecord?>()

    /// The domain when its lookup is cached: `.some(nil)` is a host known not to be a domain, nil a host not
    /// looked up since the last write (the warm lane leaves those to the router, which looks them up).
    func cached(_ host: String) -> CustomDomainRecord?? {
        cache.get(host, generation: changes.current)
    }

    func domain(_ host: String) async throws -> CustomDomainRecord? {
        let generation = changes.current
        if let cached = cache.get(host, generation: generation) { return cached }
        let record = try await control.store.domain(named: host)
        cache.set(host, record, generation: generation)
        return record
    }
}
