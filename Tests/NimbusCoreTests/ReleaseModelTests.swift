import Foundation
import NimbusCore
import Testing

struct AliasSpecTests {
    @Test func weightsSplitCallsByTheirShare() {
        let spec = AliasSpec(versionId: "1", additionalVersionWeight: ["2": 0.1, "3": 0.25])
        #expect(spec.pick(0.0) == "2")
        #expect(spec.pick(0.099) == "2")
        #expect(spec.pick(0.1) == "3")
        #expect(spec.pick(0.349) == "3")
        #expect(spec.pick(0.35) == "1")
        #expect(spec.pick(0.999) == "1")
        #expect(AliasSpec(versionId: "4").pick(0.5) == "4")
    }

    @Test(arguments: [
        AliasSpec(versionId: ""), AliasSpec(versionId: "1", additionalVersionWeight: ["2": 1.5]),
        AliasSpec(versionId: "1", additionalVersionWeight: ["2": -0.1]),
        AliasSpec(versionId: "1", additionalVersionWeight: ["2": 0.6, "3": 0.5]),
    ])
    func badWeightsAreRefused(spec: AliasSpec) {
        #expect(throws: NimbusError.self) { try spec.validate() }
    }

    @Test func fieldsAcceptNumericVersionIdsAndKeepTheBaseOnUpdate() throws {
        let base = AliasSpec(versionId: "1", description: "prod", additionalVersionWeight: ["2": 0.05])
        let updated = try AliasSpec(fields: ["versionId": .number(2)], base: base)
        #expect(updated == AliasSpec(versionId: "2", description: "prod", additionalVersionWeight: ["2": 0.05]))
        // 2 is now both main and canary: valid, as FC accepts `{"1": 0.9}` on an alias of version 1.
        try updated.validate()
        #expect((0..<20).map { updated.pick(Double($0) / 20) }.allSatisfy { $0 == "2" })
        #expect(throws: NimbusError.self) {
            try AliasSpec(fields: ["additionalVersionWeight": .object(["2": .string("lots")])], base: base)
        }
    }
}

struct CustomDomainSpecTests {
    func route(_ path: String, _ function: String, methods: [String]? = nil) -> DomainRoute {
        DomainRoute(path: path, serviceName: "catalog", functionName: function, methods: methods)
    }

    var spec: CustomDomainSpec {
        CustomDomainSpec(
            protocol: "HTTP",
            routeConfig: RouteConfig(routes: [
                route("/*", "web"), route("/items", "list", methods: ["GET"]), route("/items/*", "get-item"),
                route("/items/special/*", "special"),
            ]))
    }

    @Test(arguments: [
        ("/", "GET", "web"), ("/about", "GET", "web"), ("/items", "GET", "list"), ("/items", "POST", "web"),
        ("/items/", "GET", "get-item"), ("/items/42", "GET", "get-item"), ("/items/special/1", "GET", "special"),
        ("/items/special", "GET", "get-item"), ("/itemsx", "GET", "web"),
    ])
    func theMostSpecificRouteWins(path: String, method: String, function: String) {
        #expect(spec.route(path: path, method: method)?.functionName == function)
    }

    @Test func withoutACatchAllUnknownPathsHaveNoRoute() {
        let narrow = CustomDomainSpec(routeConfig: RouteConfig(routes: [route("/items", "list")]))
        #expect(narrow.route(path: "/other", method: "GET") == nil)
        #expect(narrow.route(path: "/items/1", method: "GET") == nil)
    }

    @Test(arguments: [
        CustomDomainSpec(protocol: "FTP"),
        CustomDomainSpec(
            routeConfig: RouteConfig(routes: [DomainRoute(path: "items", serviceName: "s", functionName: "f")])),
        CustomDomainSpec(
            routeConfig: RouteConfig(routes: [DomainRoute(path: "/a/*/b", serviceName: "s", functionName: "f")])),
        CustomDomainSpec(
            routeConfig: RouteConfig(routes: [
                DomainRoute(path: "/a", serviceName: "s", functionName: "f"),
                DomainRoute(path: "/a", serviceName: "s", functionName: "g"),
            ])),
        CustomDomainSpec(
            routeConfig: RouteConfig(routes: [DomainRoute(path: "/a", serviceName: "", functionName: "f")])),
        CustomDomainSpec(
            routeConfig: RouteConfig(routes: [
                DomainRoute(path: "/a", serviceName: "s", functionName: "f", methods: ["FETCH"])
            ])),
        CustomDomainSpec(protocol: "HTTPS"),
    ])
    func malformedDomainsAreRefused(spec: CustomDomainSpec) {
        #expect(throws: NimbusError.self) { try spec.validate() }
    }

    @Test(arguments: ["catalog.localhost", "api.example.com", "a-b.c1.io", "localhost"])
    func hostNamesAreAccepted(name: String) throws {
        try Validation.domainName(name)
    }

    @Test(arguments: ["", "Catalog.localhost", "a..b", "-a.com", "a_b.com", "a.com.", "ü.com"])
    func badHostNamesAreRefused(name: String) {
        #expect(throws: NimbusError.self) { try Validation.domainName(name) }
    }
}
