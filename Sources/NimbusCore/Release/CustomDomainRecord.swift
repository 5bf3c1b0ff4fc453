import Foundation

/// A custom domain: requests whose `Host` names it are routed by path to functions (FC's API-gateway role).
package struct CustomDomainRecord: Sendable, Equatable {
    package var domainName: String
    package var spec: CustomDomainSpec
    package var createdTime: Date
    package var lastModifiedTime: Date

    package init(domainName: String, spec: CustomDomainSpec, createdTime: Date, lastModifiedTime: Date) {
        self.domainName = domainName
        self.spec = spec
        self.createdTime = createdTime
        self.lastModifiedTime = lastModifiedTime
    }
}

/// The user-settable fields of a custom domain, as FC spells them.
package struct CustomDomainSpec: Codable, Sendable, Equatable {
    package var `protocol`: String?
    package var routeConfig: RouteConfig?
    package var certConfig: CertConfig?

    package init(protocol: String? = nil, routeConfig: RouteConfig? = nil, certConfig: CertConfig? = nil) {
        self.protocol = `protocol`
        self.routeConfig = routeConfig
        self.certConfig = certConfig
    }

    package var servesHTTPS: Bool { (`protocol` ?? "HTTP").split(separator: ",").contains("HTTPS") }
    package var servesHTTP: Bool { (`protocol` ?? "HTTP").split(separator: ",").contains("HTTP") }
}

package struct RouteConfig: Codable, Sendable, Equatable {
    package var routes: [DomainRoute]

    package init(routes: [DomainRoute]) { self.routes = routes }
}

/// One route: a path (exact, or a prefix ending in `/*`), its target function and the methods it takes.
package struct DomainRoute: Codable, Sendable, Equatable {
    package var path: String
    package var serviceName: String
    package var functionName: String
    package var qualifier: String?
    /// Empty or absent: every method.
    package var methods: [String]?

    package init(
        path: String, serviceName: String, functionName: String, qualifier: String? = nil, methods: [String]? = nil
    ) {
        self.path = path
        self.serviceName = serviceName
        self.functionName = functionName
        self.qualifier = qualifier
        self.methods = methods
    }

    /// `/items/*` -> `/items/`; an exact path has no prefix.
    var prefix: String? { path.hasSuffix("/*") ? String(path.dropLast()) : nil }

    /// Exact paths first, then longer prefixes: the most specific route wins.
    var specificity: Int { prefix.map { $0.count } ?? Int.max }

    func matches(_ requestPath: String) -> Bool {
        if let prefix { return requestPath.hasPrefix(prefix) }  // `/items/*` takes `/items/`, not `/items`
        return requestPath == path
    }

    func allows(_ method: String) -> Bool {
        guard let methods, !methods.isEmpty else { return true }
        return methods.contains { $0.uppercased() == method.uppercased() }
    }
}

/// A PEM certificate (chain) and its private key, for HTTPS.
package struct CertConfig: Codable, Sendable, Equatable {
    package var certName: String?
    package var certificate: String?
    package var privateKey: String?

    package init(certName: String? = nil, certificate: String? = nil, privateKey: String? = nil) {
        self.certName = certName
        self.certificate = certificate
        self.privateKey = privateKey
    }
}

extension CustomDomainSpec {
    package static let protocols: Set<String> = ["HTTP", "HTTPS", "HTTP,HTTPS"]

    /// Checks everything that needs no lookup: protocol, route paths and methods, overlap.
    package func validate() throws(NimbusError) {
        let name = `protocol` ?? "HTTP"
        guard Self.protocols.contains(name) else {
            throw .invalidArgument("protocol '\(name)' must be HTTP, HTTPS or HTTP,HTTPS")
        }
        var seen: Set<String> = []
        for (index, route) in (routeConfig?.routes ?? []).enumerated() {
            let field = "routeConfig.routes[\(index)]"
            guard route.path.hasPrefix("/"), !route.path.contains("//"), !route.path.contains("?") else {
                throw .invalidArgument("\(field).path '\(route.path)' must start with '/' and hold no '//' or '?'")
            }
            guard !route.path.dropLast(route.path.hasSuffix("/*") ? 2 : 0).contains("*") else {
                throw .invalidArgument("\(field).path '\(route.path)': '*' may only end a path, as '/*'")
            }
            guard seen.insert(route.path).inserted else {
                throw .invalidArgument("\(field).path '\(route.path)' overlaps an earlier route with the same path")
            }
            guard !route.serviceName.isEmpty, !route.functionName.isEmpty else {
                throw .invalidArgument("\(field) needs serviceName and functionName")
            }
            for method in route.methods ?? [] where !TriggerSpec.httpMethods.contains(method.uppercased()) {
                throw .invalidArgument("\(field).methods contains unsupported method '\(method)'")
            }
        }
        if servesHTTPS {
            guard let cert = certConfig, cert.certificate?.isEmpty == false, cert.privateKey?.isEmpty == false else {
                throw .invalidArgument("certConfig with certificate and privateKey (PEM) is required for HTTPS")
            }
        }
    }

    /// The route for a request: the most specific matching path whose methods allow it.
    package func route(path: String, method: String) -> DomainRoute? {
        (routeConfig?.routes ?? [])
            .filter { $0.matches(path) && $0.allows(method) }
            .max { $0.specificity < $1.specificity }
    }
}
