import Foundation
import NimbusCore
import Testing

@Suite struct LayerStoreContractTests {
    static let code = CodeInfo(size: 7, checksum: "42", digest: String(repeating: "b", count: 64))
    static let arn = "acs:fc:cn-test:1:layers/deps/versions/1"

    func publish(_ store: any MetadataStore, _ name: String) async throws -> LayerVersionRecord {
        try await store.publishLayerVersion(
            layerName: name, description: "d", compatibleRuntime: ["python3"], code: Self.code, at: Fixtures.now)
    }

    @Test(arguments: StoreKind.allCases)
    func versionsAreNumberedPerLayerAndNeverReused(kind: StoreKind) async throws {
        let store = try kind.make()
        #expect(try await publish(store, "deps").version == 1)
        #expect(try await publish(store, "deps").version == 2)
        #expect(try await publish(store, "other").version == 1)
        #expect(try await store.layerVersion(2, layerName: "deps")?.compatibleRuntime == ["python3"])
        try await store.deleteLayerVersion(2, layerName: "deps", arn: "unused")
        try await store.deleteLayerVersion(1, layerName: "deps", arn: "unused")
        #expect(try await publish(store, "deps").version == 3)
        #expect(
            await Fixtures.code { try await store.deleteLayerVersion(1, layerName: "deps", arn: "x") } == .layerNotFound
        )
        _ = try await publish(store, "deps")
        let versions = try await store.listLayerVersions(layerName: "deps", startVersion: 1, limit: 1)
        #expect(versions.items.map(\.version) == [3])
        #expect(versions.nextToken == "4")
        let latest = try await store.listLayers(PageQuery())
        #expect(latest.items.map { "\($0.layerName)/\($0.version)" } == ["deps/4", "other/1"])
        #expect(try await store.listLayers(PageQuery(prefix: "ot")).items.map(\.layerName) == ["other"])
    }

    @Test(arguments: StoreKind.allCases)
    func aVersionNamedByAFunctionOrAPublishedVersionIsNotDeleted(kind: StoreKind) async throws {
        let store = try kind.make()
        _ = try await publish(store, "deps")
        try await store.createService(Fixtures.service("svc"))
        var function = Fixtures.function("a", in: "svc")
        function.spec.layers = [Self.arn]
        try await store.createFunction(function)
        _ = try await store.publishVersion(service: "svc", description: "", at: Fixtures.now)
        let inUse = { () async -> NimbusError.Code? in
            await Fixtures.code { try await store.deleteLayerVersion(1, layerName: "deps", arn: Self.arn) }
        }
        #expect(await inUse() == .layerVersionInUse)
        function.spec.layers = []
        function.meta.etag = "e2"
        try await store.updateFunction(function, ifMatch: nil)
        // still held by version 1's snapshot
        #expect(await inUse() == .layerVersionInUse)
        try await store.deleteVersion(1, service: "svc")
        try await store.deleteLayerVersion(1, layerName: "deps", arn: Self.arn)
    }
}
