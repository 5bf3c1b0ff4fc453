/// An HTTP trigger's `corsConfig` (FC 3.0: `allowOrigins`, `allowMethods`, `allowHeaders`, `exposeHeaders`,
/// `allowCredentials`, `maxAge`), as browsers need it: the headers of an answer to a cross-origin call,
/// and the answer to a preflight. Pure.
package struct CORSPolicy: Sendable, Equatable {
    package var allowOrigins: [String]
    package var allowMethods: [String]
    package var allowHeaders: [String]
    package var exposeHeaders: [String]
    package var allowCredentials: Bool
    package var maxAge: Int?

    /// The trigger's policy, when its config has a `corsConfig` object.
    package init?(triggerConfig: JSONValue) {
        guard case .object(let cors)? = triggerConfig.field("corsConfig") else { return nil }
        let strings = { (key: String) in (cors[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        allowOrigins = strings("allowOrigins")
        allowMethods = strings("allowMethods")
        allowHeaders = strings("allowHeaders")
        exposeHeaders = strings("exposeHeaders")
        allowCredentials = cors["allowCredentials"] == .bool(true)
        if case .number(let age)? = cors["maxAge"] { maxAge = age.integer(in: 0...86_400) } else { maxAge = nil }
    }

    /// `Access-Control-Allow-Origin`'s value for a request from `origin`; nil when it is not allowed.
    func allowedOrigin(_ origin: String) -> String? {
        if allowOrigins.contains(origin) { return origin }
        guard allowOrigins.contains("*") else { return nil }
        // With credentials a browser refuses `*`: the origin itself is named.
        return allowCredentials ? origin : "*"
    }

    /// The headers added to an answer for a request with `Origin: origin` (none for another origin).
    package func responseHeaders(origin: String?) -> [(String, String)] {
        guard let origin, let allowed = allowedOrigin(origin) else { return [] }
        var headers = [("access-control-allow-origin", allowed)]
        if allowed != "*" { headers.append(("vary", "Origin")) }
        if allowCredentials { headers.append(("access-control-allow-credentials", "true")) }
        if !exposeHeaders.isEmpty {
            headers.append(("access-control-expose-headers", exposeHeaders.joined(separator: ",")))
        }
        return headers
    }

    /// Whether a request is a preflight this policy answers itself (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`).
    package static func isPreflight(method: String, origin: String?, requestMethod: String?) -> Bool {
        method == "OPTIONS" && origin != nil && requestMethod != nil
    }

    /// The headers of a preflight's 204; an origin or method not allowed gets none (the browser refuses).
    package func preflightHeaders(origin: String, requestMethod: String, requestHeaders: String?) -> [(String, String)]
    {
        guard let allowed = allowedOrigin(origin) else { return [] }
        let methods = allowMethods.map { $0.uppercased() }
        guard methods.isEmpty || methods.contains("*") || methods.contains(requestMethod.uppercased()) else {
            return []
        }
        var headers = [("access-control-allow-origin", allowed)]
        if allowed != "*" { headers.append(("vary", "Origin")) }
        headers.append(
            (
                "access-control-allow-methods",
                methods.isEmpty || methods.contains("*") ? requestMethod : methods.joined(separator: ",")
            ))
        let asked = requestHeaders ?? ""
        let allowedHeaders = allowHeaders.contains("*") ? asked : allowHeaders.joined(separator: ",")
        if !allowedHeaders.isEmpty { headers.append(("access-control-allow-headers", allowedHeaders)) }
        if allowCredentials { headers.append(("access-control-allow-credentials", "true")) }
        if let maxAge { headers.append(("access-control-max-age", String(maxAge))) }
        return headers
    }
}
