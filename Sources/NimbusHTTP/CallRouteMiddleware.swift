import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore

/// The router's entry for HTTP-trigger calls: ``CallRoute`` (the parser the warm lane uses too)
/// decides whether a request is one (a `/proxy/` path, a bare path with `x-fc-invocation-target`,
/// or any path of a custom domain's host) and which function it reaches; ``ProxyAPI`` runs it.
/// Anything else goes on to the routes.
struct CallRouteMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext
    let proxy: ProxyAPI
    let domains: DomainTable
    /// The HTTPS listener's port, if there is one.
    let httpsPort: Int?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        let target = request.headers[ProxyAPI.invocationTarget]
        let targeted = target != nil && !path.hasPrefix(CallRoute.apiPrefix)
        var domain: CustomDomainRecord?
        if !targeted, let authority = request.head.authority {
            domain = try await domains.domain(Self.hostName(authority))
        }
        // An HTTPS-only domain asked over plain HTTP: the same request, over HTTPS (308 keeps the method).
        if let domain, !domain.spec.servesHTTP, let httpsPort, context.localPort != httpsPort {
            var headers = HTTPFields()
            headers[.location] = "https://\(domain.domainName):\(httpsPort)\(request.uri.description)"
            return Response(status: .permanentRedirect, headers: headers)
        }
        let route = try CallRoute.parse(
            method: request.method.rawValue, path: path, invocationTarget: target, domain: domain)
        guard case .httpTrigger(let address, let functionPath) = route else { return try await next(request, context) }
        let secure = httpsPort != nil && context.localPort == httpsPort
        return try await proxy.proxy(
            request, context, address, functionPath: functionPath, viaDomain: domain != nil, secure: secure)
    }

    /// `Catalog.localhost:8080` -> `catalog.localhost`; IPv6 literals keep their brackets and are never domains.
    static func hostName(_ authority: String) -> String {
        guard !authority.hasPrefix("[") else { return authority }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
    }
}
