import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import NimbusHTTP
import NimbusServer
import NimbusTesting
import Synchronization
import Testing

/// Walks the route table the router itself holds (not a list written here) and proves every route is
/// refused unsigned and wrongly signed, in both schemes, unless it is one of the few meant to be open;
/// and that a correct signature of either scheme gets past authentication on every prefix.
@Suite struct RouteAuthenticationTests {
    /// Routes that take no FC signature, and why. Anything added to the router and not listed here must
    /// refuse an unsigned call, so a new unauthenticated route fails this test.
    static let open: [String: String] = [
        "GET /health": "liveness for load balancers",
        "GET /metrics": "Prometheus scrapes without keys (MetricsAPI: expose the listener accordingly)",
        "GET /console/login": "the console's login form",
        "POST /console/login": "the console's login itself (checks the key pair)",
        "POST /console/logout": "ends the caller's own session, if any",
    ]
    /// Console pages: guarded by the session cookie, they send anyone without one to the login form.
    static let sessionGuarded: Set<String> = [
        "GET /console", "GET /console/services/{service}", "GET /console/services/{service}/functions/{function}",
    ]
    /// What an unsigned or wrongly signed call may be refused with.
    static let refusals: Set<String> = [
        "MissingRequiredHeader", "SignatureNotMatch", "InvalidAccessKeyID", "AccessDenied",
    ]

    /// A path for a route pattern: each `{parameter}` and wildcard filled with a plain name.
    static func concrete(_ pattern: String) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            if segment == "**" { return "x/y" }
            if segment == "*" { return "x" }
            guard let open = segment.firstIndex(of: "{"), let close = segment.firstIndex(of: "}") else {
                return String(segment)
            }
            return segment[..<open] + "x_" + segment[segment.index(after: open)..<close]
                + segment[segment.index(after: close)...]
        }.joined(separator: "/")
    }

    static func errorCode(_ response: TestResponse) -> String? {
        guard let body = try? JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
        else { return nil }
        return body["ErrorCode"]
    }

    @Test func everyRouteIsSignedOrMeantToBeOpen() async throws {
        let routes = Mutex<[String]>([])
        let app = try await NimbusServer.makeApplication(TestServer.configuration()) { list in
            routes.withLock { $0 = list }
        }
        try await app.test(.live) { client in
            let table = routes.withLock { $0 }
            // Both prefixes carry the whole FC 2.0 table, with 2021-04-06's differences (fc3-api spec 7).
            func prefixed(_ version: APIVersion) -> Set<String> {
                Set(
                    table.filter { $0.contains(" \(version.prefix)/") }.map {
                        $0.replacingOccurrences(of: version.prefix + "/", with: "/")
                            .replacingOccurrences(of: "reservedCapacities", with: "reserved-capacities")
                    })
            }
            #expect(prefixed(.fc20160815).count > 50)
            #expect(
                prefixed(.fc20210406)
                    == prefixed(.fc20160815).union([
                        "PUT /tag", "GET /tags", "GET /services/{service}/bindings",
                        "POST /services/{service}/bindings", "DELETE /services/{service}/bindings/{vpcId}",
                    ]))
            for route in table {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                let method = HTTPRequest.Method(parts[0])!
                let path = Self.concrete(parts[1])
                if Self.open[route] != nil { continue }
                let unsigned = try await client.executeRequest(uri: path, method: method, headers: [:], body: nil)
                if Self.sessionGuarded.contains(route) {
                    #expect(unsigned.status == .seeOther && unsigned.headers[.location] == "/console/login", "\(route)")
                    continue
                }
                for (scheme, headers) in [
                    ("unsigned", HTTPFields()),
                    ("FC, wrong secret", TestServer.signedHeaders(method, path, secret: "wrong")),
                    ("ACS3, wrong secret", TestServer.acs3Headers(method, path, secret: "wrong")),
                ] {
                    let response = try await client.executeRequest(
                        uri: path, method: method, headers: headers, body: nil)
                    #expect(
                        [.unauthorized, .forbidden].contains(response.status), "\(route) \(scheme): \(response.status)")
                    #expect(Self.refusals.contains(Self.errorCode(response) ?? "none"), "\(route) \(scheme)")
                }
                guard APIVersion.requiresSignature(path) else { continue }
                for (scheme, headers) in [
                    ("FC", TestServer.signedHeaders(method, path)), ("ACS3", TestServer.acs3Headers(method, path)),
                ] {
                    let response = try await client.executeRequest(
                        uri: path, method: method, headers: headers, body: nil)
                    let code = Self.errorCode(response) ?? "none"
                    #expect(!Self.refusals.contains(code), "\(route) signed with \(scheme) was refused: \(code)")
                }
            }
        }
    }

    @Test func pathsWithoutARouteAreRefusedBeforeTheyAreNotFound() async throws {
        try await TestServer.withLiveServer { client in
            for version in APIVersion.allCases {
                let path = version.prefix + "/no-such-route"
                let unsigned = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(unsigned.status == .forbidden, "\(path)")
                let signed = try await client.signed(.get, path, scheme: .acs3)
                #expect(Self.errorCode(signed) == "PathNotSupported", "\(path)")
            }
        }
    }
}
