import Foundation
import NimbusCore
import Testing

@Suite struct ReleaseStoreContractTests {
    static let at = Fixtures.now

    func alias(_ name: String, _ version: String, canary: [String: Double] = [:]) -> AliasRecord {
        AliasRecord(
            meta: Fixtures.meta(name), serviceName: "svc",
            spec: AliasSpec(versionId: version, description: "", additionalVersionWeight: canary))
    }

    @Test(arguments: StoreKind.allCases)
    func versionsSnapshotTheServiceAndNeverReuseIds(kind: StoreKind) async throws {
        let store = try kind.make()
        try await store.createService(Fixtures.service("svc"))
        try await store.createFunction(Fixtures.function("a", in: "svc"))
        let first = try await store.publishVersion(service: "svc", description: "one", at: Self.at)
        #expect(first.versionId == 1)
        #expect(first.snapshot.functions.map(\.name) == ["a"])
        // nothing written since: refused
        #expect(
            await Fixtures.code { _ = try await store.publishVersion(service: "svc", description: "", at: Self.at) }
                == .invalidArgument)

        var changed = try #require(try await store.function(named: "a", service: "svc"))
        changed.spec.memorySize = 512
        changed.meta.etag = "e2"
        try await store.updateFunction(changed, ifMatch: nil)
        let second = try await store.publishVersion(service: "svc", description: "two", at: Self.at)
        #expect(second.versionId == 2)
        // the first version still holds the old configuration
        #expect(try await store.version(1, service: "svc")?.snapshot.function(named: "a")?.spec.memorySize == 128)
        #expect(try await store.version(2, service: "svc")?.snapshot.function(named: "a")?.spec.memorySize == 512)

        try await store.deleteVersion(2, service: "svc")
        changed.meta.etag = "e3"
        try await store.updateFunction(changed, ifMatch: nil)
        #expect(try await store.publishVersion(service: "svc", description: "", at: Self.at).versionId == 3)
        let backward = try await store.listVersions(service: "svc", PageQuery(limit: 1), forward: false)
        #expect(backward.items.map(\.versionId) == [3])
        #expect(backward.nextToken == "1")
        let forward = try await store.listVersions(service: "svc", PageQuery(limit: 10), forward: true)
        #expect(forward.items.map(\.versionId) == [1, 3])
        #expect(await Fixtures.code { try await store.deleteVersion(2, service: "svc") } == .versionNotFound)
    }

    @Test(arguments: StoreKind.allCases)
    func aliasesNeedTheirVersionsAndHoldThemAgainstDeletion(kind: StoreKind) async throws {
        let store = try kind.make()
        try await store.createService(Fixtures.service("svc"))
        try await store.createFunction(Fixtures.function("a", in: "svc"))
        _ = try await store.publishVersion(service: "svc", description: "", at: Self.at)
        #expect(await Fixtures.code { try await store.createAlias(alias("prod", "9")) } == .versionNotFound)
        try await store.createAlias(alias("prod", "1"))
        #expect(await Fixtures.code { try await store.createAlias(alias("prod", "1")) } == .aliasAlreadyExists)
        #expect(await Fixtures.code { try await store.deleteVersion(1, service: "svc") } == .invalidArgument)

        var changed = try #require(try await store.function(named: "a", service: "svc"))
        changed.meta.etag = "e2"
        try await store.updateFunction(changed, ifMatch: nil)
        _ = try await store.publishVersion(service: "svc", description: "", at: Self.at)
        var canary = alias("prod", "1", canary: ["2": 0.1])
        canary.meta.etag = "e2"
        #expect(await Fixtures.code { try await store.updateAlias(canary, ifMatch: "stale") } == .preconditionFailed)
        try await store.updateAlias(canary, ifMatch: "e1")
        #expect(try await store.alias(named: "prod", service: "svc")?.spec.additionalVersionWeight == ["2": 0.1])
        #expect(await Fixtures.code { try await store.deleteVersion(2, service: "svc") } == .invalidArgument)
        #expect(try await store.listAliases(service: "svc", PageQuery()).items.map(\.name) == ["prod"])
        try await store.deleteAlias(named: "prod", service: "svc", ifMatch: nil)
        try await store.deleteVersion(2, service: "svc")
        #expect(
            await Fixtures.code { try await store.deleteAlias(named: "prod", service: "svc", ifMatch: nil) }
                == .aliasNotFound)
    }

    /// As FC: a service's versions and aliases are deleted before it, never with it.
    @Test(arguments: StoreKind.allCases)
    func aServiceWithVersionsOrAliasesIsNotDeleted(kind: StoreKind) async throws {
        let store = try kind.make()
        try await store.createService(Fixtures.service("svc"))
        try await store.createFunction(Fixtures.function("a", in: "svc"))
        _ = try await store.publishVersion(service: "svc", description: "", at: Self.at)
        try await store.createAlias(alias("prod", "1"))
        try await store.deleteFunction(named: "a", service: "svc", ifMatch: nil)
        #expect(await Fixtures.code { try await store.deleteService(named: "svc", ifMatch: nil) } == .serviceNotEmpty)
        try await store.deleteAlias(named: "prod", service: "svc", ifMatch: nil)
        #expect(await Fixtures.code { try await store.deleteService(named: "svc", ifMatch: nil) } == .serviceNotEmpty)
        try await store.deleteVersion(1, service: "svc")
        try await store.deleteService(named: "svc", ifMatch: nil)
        #expect(try await store.service(named: "svc") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func customDomainsAreKeptByName(kind: StoreKind) async throws {
        let store = try kind.make()
        let routes = RouteConfig(routes: [DomainRoute(path: "/*", serviceName: "s", functionName: "f")])
        let domain = CustomDomainRecord(
            domainName: "api.example.com", spec: CustomDomainSpec(protocol: "HTTP", routeConfig: routes),
            createdTime: Self.at, lastModifiedTime: Self.at)
        try await store.createDomain(domain)
        #expect(await Fixtures.code { try await store.createDomain(domain) } == .domainNameAlreadyExists)
        #expect(try await store.domain(named: "api.example.com") == domain)
        var changed = domain
        changed.spec.routeConfig = RouteConfig(routes: [])
        try await store.updateDomain(changed)
        #expect(try await store.domain(named: "api.example.com")?.spec.routeConfig?.routes == [])
        #expect(try await store.listDomains(PageQuery()).items.map(\.domainName) == ["api.example.com"])
        try await store.deleteDomain(named: "api.example.com")
        #expect(await Fixtures.code { try await store.deleteDomain(named: "api.example.com") } == .domainNameNotFound)
    }
}
