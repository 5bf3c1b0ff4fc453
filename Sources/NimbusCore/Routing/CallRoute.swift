import Foundation

/// A function as a request names it: `{service}[.{qualifier}]` and a function, the qualifier LATEST
/// when none is given.
package struct FunctionAddress: Equatable, Sendable {
    package var service: String
    package var qualifier: String
    package var function: String

    package init(service: String, qualifier: String = "LATEST", function: String) {
        self.service = service
        self.qualifier = qualifier
        self.function = function
    }

    /// Splits a `{service}.{qualifier}` path segment; the qualifier defaults to LATEST.
    package init(segment: String, function: String) {
        if let dot = segment.firstIndex(of: ".") {
            let qualifier = String(segment[segment.index(after: dot)...])
            self.init(
                service: String(segment[..<dot]), qualifier: qualifier.isEmpty ? "LATEST" : qualifier,
                function: function)
        } else {
            self.init(service: segment, function: function)
        }
    }
}

/// What a request asks to run, decided from its method, path and routing headers alone: the one
/// parser the warm lane and the router share, so they cannot disagree on which function a request
/// reaches.
package enum CallRoute: Equatable, Sendable {
    /// `POST /2016-08-15/services/{service}[.{qualifier}]/functions/{function}/invocations`.
    case invocation(FunctionAddress)
    /// An HTTP trigger: `/2016-08-15/proxy/{service}[.{qualifier}]/{function}/{path...}`, a bare path
    /// with `x-fc-invocation-target`, or a custom domain's route. `functionPath` is what the function
    /// sees as its path, percent-decoded.
    case httpTrigger(FunctionAddress, functionPath: String)
    /// Not a call: management, console, metrics, health, or nothing at all (the router answers).
    case other

    package static let apiPrefix = "/2016-08-15/"
    package static let proxyPrefix = "/2016-08-15/proxy/"
    /// HTTP-trigger paths under both FC 2.0 prefixes (2021-04-06 serves them as 2016-08-15 does).
    package static let proxyPrefixes = [proxyPrefix, "/2021-04-06/proxy/"]

    /// The HTTP-trigger prefix a path starts with, if any.
    package static func proxyPrefix(of path: String) -> String? { proxyPrefixes.first { path.hasPrefix($0) } }
    package static let servicesPrefix = "/2016-08-15/services/"
    /// The methods an HTTP trigger can be called with.
    package static let triggerMethods: Set<String> = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]

    /// The route of a request. `path` is the path as sent (no query, not decoded); `domain` is the
    /// custom domain its host names, when it names one.
    ///
    /// A bare path naming its function in `x-fc-invocation-target` goes there first, then a custom
    /// domain takes every path of its host, then the API's own paths.
    package static func parse(
        method: String, path: String, invocationTarget: String?, domain: CustomDomainRecord?, query: String? = nil
    ) throws(NimbusError) -> CallRoute {
        // Under any API version's prefix the path names the call, never the header.
        if let invocationTarget, APIVersion(path: path) == nil {
            let parts = invocationTarget.split(separator: "/").map(String.init)
            guard parts.count == 4, parts[0] == "2016-08-15", parts[1] == "proxy" else {
                throw NimbusError.invalidArgument(
                    "x-fc-invocation-target must be '2016-08-15/proxy/<service>/<function>'")
            }
            return .httpTrigger(FunctionAddress(segment: parts[2], function: parts[3]), functionPath: decoded(path))
        }
        if let domain {
            guard let route = domain.spec.route(path: path, method: method) else {
                throw NimbusError(
                    .routeNotFound, "custom domain '\(domain.domainName)' has no route for \(method) \(path)")
            }
            let qualifier = route.qualifier.flatMap { $0.isEmpty ? nil : $0 } ?? "LATEST"
            return .httpTrigger(
                FunctionAddress(service: route.serviceName, qualifier: qualifier, function: route.functionName),
                functionPath: decoded(path))
        }
        if let prefix = proxyPrefix(of: path), triggerMethods.contains(method) {
            let parts = path.dropFirst(prefix.count).split(
                separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { return .other }
            let rest = parts.count == 3 ? "/" + parts[2] : "/"
            return .httpTrigger(
                FunctionAddress(segment: decoded(parts[0]), function: decoded(parts[1])), functionPath: decoded(rest))
        }
        if method == "POST", path.hasPrefix(servicesPrefix) {
            var parts = path.dropFirst(servicesPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 5, parts[4].isEmpty { parts.removeLast() }  // a trailing slash, as the router allows
            guard parts.count == 4, !parts[0].isEmpty, parts[1] == "functions", !parts[2].isEmpty,
                parts[3] == "invocations"
            else { return .other }
            return .invocation(FunctionAddress(segment: decoded(parts[0]), function: decoded(parts[2])))
        }
        if method == "POST", path.hasPrefix(functionsPrefix) {
            return fc3Invocation(path.dropFirst(functionsPrefix.count), query: query)
        }
        return .other
    }

    package static let functionsPrefix = "/2023-03-30/functions/"

    /// FC 3.0's `functions/{name}/invocations?qualifier=`: the 2.0 service and function under the name.
    static func fc3Invocation(_ rest: Substring, query: String?) -> CallRoute {
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 3, parts[2].isEmpty { parts.removeLast() }
        guard parts.count == 2, !parts[0].isEmpty, parts[1] == "invocations" else { return .other }
        let name = FC3Name(decoded(parts[0]))
        guard !name.service.isEmpty, !name.function.isEmpty else { return .other }
        let asked = FormQuery.pairs(query ?? "").last { $0.key == "qualifier" }?.value ?? ""
        return .invocation(
            FunctionAddress(service: name.service, qualifier: asked.isEmpty ? "LATEST" : asked, function: name.function)
        )
    }

    /// Percent-decoded, or as sent when it is not valid percent-encoding.
    static func decoded(_ text: some StringProtocol) -> String {
        let text = String(text)
        // Foundation's decoder costs a few microseconds even with nothing to decode (most paths).
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        return text.removingPercentEncoding ?? text
    }
}
