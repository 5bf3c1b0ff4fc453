import Foundation
import NimbusCore
import PropertyBased
import Testing

/// The one parser of call paths: what the warm lane and the router both take a request to reach.
@Suite struct CallRouteTests {
    static func parse(
        _ method: String, _ path: String, target: String? = nil, domain: CustomDomainRecord? = nil
    ) throws(NimbusError) -> CallRoute {
        try CallRoute.parse(method: method, path: path, invocationTarget: target, domain: domain)
    }

    static func trigger(_ service: String, _ qualifier: String, _ function: String, _ path: String) -> CallRoute {
        .httpTrigger(FunctionAddress(service: service, qualifier: qualifier, function: function), functionPath: path)
    }

    static let shop = CustomDomainRecord(
        domainName: "shop.example.com",
        spec: CustomDomainSpec(
            routeConfig: RouteConfig(routes: [
                DomainRoute(path: "/*", serviceName: "web", functionName: "site"),
                DomainRoute(path: "/api/*", serviceName: "api", functionName: "items", qualifier: "prod"),
                DomainRoute(path: "/admin", serviceName: "api", functionName: "admin", methods: ["GET"]),
            ])),
        createdTime: Date(), lastModifiedTime: Date())

    @Test(
        arguments: [
            ("GET", "/2016-08-15/proxy/svc/fn", trigger("svc", "LATEST", "fn", "/")),
            ("GET", "/2016-08-15/proxy/svc/fn/", trigger("svc", "LATEST", "fn", "/")),
            ("GET", "/2021-04-06/proxy/svc.prod/fn/a", trigger("svc", "prod", "fn", "/a")),
            ("POST", "/2016-08-15/proxy/svc.prod/fn/a/b", trigger("svc", "prod", "fn", "/a/b")),
            ("PUT", "/2016-08-15/proxy/svc.3/fn/x", trigger("svc", "3", "fn", "/x")),
            ("GET", "/2016-08-15/proxy/svc./fn/x", trigger("svc", "LATEST", "fn", "/x")),
            ("GET", "/2016-08-15/proxy/svc/fn/caf%C3%A9%20au%20lait", trigger("svc", "LATEST", "fn", "/café au lait")),
            ("GET", "/2016-08-15/proxy/svc/fn/100%", trigger("svc", "LATEST", "fn", "/100%")),
            ("GET", "/2016-08-15/proxy/my%2Dsvc/fn", trigger("my-svc", "LATEST", "fn", "/")),
            ("TRACE", "/2016-08-15/proxy/svc/fn", .other),
            ("GET", "/2016-08-15/proxy/svc", .other),
            ("GET", "/2016-08-15/proxy//fn", .other),
            ("GET", "/2016-08-15/proxy/svc//x", .other),
            (
                "POST", "/2016-08-15/services/svc/functions/fn/invocations",
                .invocation(FunctionAddress(service: "svc", function: "fn"))
            ),
            (
                "POST", "/2016-08-15/services/svc.canary/functions/fn/invocations/",
                .invocation(FunctionAddress(service: "svc", qualifier: "canary", function: "fn"))
            ),
            ("GET", "/2016-08-15/services/svc/functions/fn/invocations", .other),
            ("POST", "/2016-08-15/services/svc/functions/fn", .other),
            ("POST", "/2016-08-15/services//functions/fn/invocations", .other),
            ("POST", "/2016-08-15/services/svc/functions/fn/invocations/x", .other),
            ("GET", "/2016-08-15/services", .other),
            ("GET", "/console", .other),
            ("GET", "/metrics", .other),
        ] as [(String, String, CallRoute)])
    func apiPathsNameTheirFunction(method: String, path: String, expected: CallRoute) throws {
        #expect(try Self.parse(method, path) == expected)
    }

    @Test func aBarePathWithAnInvocationTargetGoesThereBeforeAnyDomain() throws {
        #expect(
            try Self.parse("GET", "/items/3", target: "2016-08-15/proxy/svc.prod/fn", domain: Self.shop)
                == Self.trigger("svc", "prod", "fn", "/items/3"))
        // Under the API's prefix the header is not a route: the path is.
        #expect(
            try Self.parse("GET", "/2016-08-15/proxy/a/b/c", target: "2016-08-15/proxy/svc/fn")
                == Self.trigger("a", "LATEST", "b", "/c"))
        // Nor under the other versions' prefixes: a management call there stays one.
        #expect(
            try Self.parse("GET", "/2021-04-06/services/svc/functions", target: "2016-08-15/proxy/svc/fn") == .other)
        #expect(throws: NimbusError.self) { try Self.parse("GET", "/x", target: "2016-08-15/proxy/svc") }
        #expect(throws: NimbusError.self) { try Self.parse("GET", "/x", target: "2023-03-30/proxy/svc/fn") }
    }

    @Test func aCustomDomainTakesEveryPathOfItsHostByItsMostSpecificRoute() throws {
        #expect(try Self.parse("GET", "/", domain: Self.shop) == Self.trigger("web", "LATEST", "site", "/"))
        #expect(
            try Self.parse("DELETE", "/api/items/3", domain: Self.shop)
                == Self.trigger("api", "prod", "items", "/api/items/3"))
        #expect(try Self.parse("GET", "/admin", domain: Self.shop) == Self.trigger("api", "LATEST", "admin", "/admin"))
        // The API's own paths on a domain's host are the domain's too (the router checks their signature first).
        #expect(
            try Self.parse("POST", "/2016-08-15/services/s/functions/f/invocations", domain: Self.shop)
                == Self.trigger("web", "LATEST", "site", "/2016-08-15/services/s/functions/f/invocations"))
        let narrow = CustomDomainRecord(
            domainName: "narrow.example.com",
            spec: CustomDomainSpec(
                routeConfig: RouteConfig(routes: [DomainRoute(path: "/only", serviceName: "s", functionName: "f")])),
            createdTime: Date(), lastModifiedTime: Date())
        do {
            _ = try Self.parse("GET", "/elsewhere", domain: narrow)
            Issue.record("a path no route matches must be refused")
        } catch {
            #expect(error.code == .routeNotFound)
            #expect(error.message.contains("narrow.example.com"))
        }
    }

    /// FC 3.0's invocation path: a name (`service$function` for a 2.0 function), the qualifier in the query.
    @Test func aThreeZeroInvocationNamesTheServiceAndFunctionUnderneath() throws {
        let route = { (path: String, query: String?) throws(NimbusError) in
            try CallRoute.parse(method: "POST", path: path, invocationTarget: nil, domain: nil, query: query)
        }
        #expect(
            try route("/2023-03-30/functions/orders/invocations", nil)
                == .invocation(FunctionAddress(service: "orders", function: "orders")))
        #expect(
            try route("/2023-03-30/functions/shop%24orders/invocations/", "x=1&qualifier=prod")
                == .invocation(FunctionAddress(service: "shop", qualifier: "prod", function: "orders")))
        #expect(try route("/2023-03-30/functions/%24orders/invocations", nil) == .other)
        #expect(try route("/2023-03-30/functions/orders", nil) == .other)
    }

    static let pathPiece = Gen.element(of: [
        "/", "2016-08-15", "2023-03-30", "proxy", "services", "functions", "invocations", "svc", "svc.", ".", "fn",
        "$", "s$f", "%24", "%", "%2F",
        "%C3%A9", "%ZZ", "", "..", "\u{0}", "é", "a?b", "//",
    ]).compactMap { $0 }.array(of: 0...9).map { $0.joined() }

    @Test func anyPathEitherRoutesOrIsRefusedNeverTraps() async {
        await propertyCheck(
            input: Self.pathPiece, Gen.element(of: ["GET", "POST", "TRACE", "delete", ""]).compactMap { $0 },
            Gen.element(of: [nil, "2016-08-15/proxy/s/f", "2016-08-15/proxy", "////"]).compactMap { $0 }
        ) { path, method, target in
            do throws(NimbusError) {
                let route = try CallRoute.parse(
                    method: method, path: path, invocationTarget: target, domain: nil, query: "qualifier=%24")
                if case .invocation(let address) = route {
                    #expect(!address.service.isEmpty && !address.function.isEmpty && !address.qualifier.isEmpty)
                }
                if case .httpTrigger(let address, let functionPath) = route {
                    #expect(!address.service.isEmpty || target != nil)
                    #expect(functionPath.hasPrefix("/") || target != nil)
                }
            } catch {
                #expect(error.code == .invalidArgument)
            }
        }
    }
}
