import Foundation
import NimbusCore
import NimbusSQLite
import Testing

/// Every `MetadataStore` implementation must pass these. Add a case to `StoreKind` for a new store.
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite

    var description: String { rawValue }

    func make() throws -> any MetadataStore {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-store-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try SQLiteStore(path: directory.appendingPathComponent("test.sqlite").path)
        }
    }
}

enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func meta(_ name: String, etag: String = "e1") -> ResourceMeta {
        ResourceMeta(id: UUID().uuidString, name: name, createdTime: now, lastModifiedTime: now, etag: etag)
    }

    static func service(_ name: String) -> ServiceRecord {
        var spec = ServiceSpec().withDefaults()
        spec.description = "about \(name)"
        return ServiceRecord(meta: meta(name), spec: spec)
    }

    static func function(_ name: String, in service: String) -> FunctionRecord {
        var spec = FunctionSpec()
        spec.runtime = "python3"
        spec.handler = "index.handler"
        spec.environmentVariables = ["K": "V"]
        return FunctionRecord(
            meta: meta(name), serviceName: service, spec: spec.withDefaults(),
            code: CodeInfo(size: 10, checksum: "123", digest: String(repeating: "a", count: 64)))
    }

    static func trigger(_ name: String, _ function: String, _ service: String) -> TriggerRecord {
        var spec = TriggerSpec()
        spec.triggerType = "http"
        spec.triggerConfig = .object(["authType": .string("anonymous"), "methods": .array([.string("GET")])])
        return TriggerRecord(meta: meta(name), serviceName: service, functionName: function, spec: spec)
    }

    static func code(of body: () async throws -> Void) async -> NimbusError.Code? {
        do {
            try await body()
            return nil
        } catch let error as NimbusError {
            return error.code
        } catch {
            return .internalServerError
        }
    }
}

@Suite struct StoreContractTests {
    @Test(arguments: StoreKind.allCases)
    func serviceLifecycle(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = Fixtures.service("svc")
        try await store.createService(service)
        #expect(try await store.service(named: "svc") == service)
        #expect(await Fixtures.code { try await store.createService(Fixtures.service("svc")) } == .serviceAlreadyExists)

        var updated = try #require(try await store.service(named: "svc"))
        updated.spec.description = "changed"
        updated.meta.etag = "e2"
        #expect(await Fixtures.code { try await store.updateService(updated, ifMatch: "stale") } == .preconditionFailed)
        #expect(try await store.service(named: "svc")?.spec.description == "about svc")
        try await store.updateService(updated, ifMatch: "e1")
        #expect(try await store.service(named: "svc")?.spec.description == "changed")

        #expect(
            await Fixtures.code { try await store.deleteService(named: "svc", ifMatch: "e1") } == .preconditionFailed)
        try await store.deleteService(named: "svc", ifMatch: "e2")
        #expect(try await store.service(named: "svc") == nil)
        #expect(await Fixtures.code { try await store.deleteService(named: "svc", ifMatch: nil) } == .serviceNotFound)
    }

    @Test(arguments: StoreKind.allCases)
    func listingPagesByNameWithPrefixAndTags(kind: StoreKind) async throws {
        let store = try kind.make()
        for name in ["b2", "a3", "a1", "b1", "a2"] { try await store.createService(Fixtures.service(name)) }
        let first = try await store.listServices(PageQuery(prefix: "a", limit: 2), tags: [:])
        #expect(first.items.map(\.name) == ["a1", "a2"])
        #expect(first.nextToken == "a3")
        let rest = try await store.listServices(PageQuery(prefix: "a", nextToken: first.nextToken, limit: 2), tags: [:])
        #expect(rest.items.map(\.name) == ["a3"])
        #expect(rest.nextToken == nil)
        #expect(try await store.listServices(PageQuery(startKey: "b1"), tags: [:]).items.map(\.name) == ["b1", "b2"])

        try await store.setTags(["env": "prod", "team": "x"], ofService: "a2")
        try await store.setTags(["env": "dev"], ofService: "b1")
        #expect(try await store.listServices(PageQuery(), tags: ["env": "prod"]).items.map(\.name) == ["a2"])
        #expect(try await store.listServices(PageQuery(), tags: ["env": ""]).items.map(\.name) == ["a2", "b1"])
        #expect(try await store.listServices(PageQuery(), tags: ["env": "", "team": "x"]).items.map(\.name) == ["a2"])
        #expect(try await store.tags(ofService: "a2") == ["env": "prod", "team": "x"])
    }

    @Test(arguments: StoreKind.allCases)
    func functionsAndTriggersKeepTheirParentsBusy(kind: StoreKind) async throws {
        let store = try kind.make()
        #expect(
            await Fixtures.code { try await store.createFunction(Fixtures.function("f", in: "none")) }
                == .serviceNotFound)
        try await store.createService(Fixtures.service("svc"))
        try await store.createFunction(Fixtures.function("f", in: "svc"))
        #expect(
            await Fixtures.code { try await store.createFunction(Fixtures.function("f", in: "svc")) }
                == .functionAlreadyExists)
        #expect(try await store.function(named: "f", service: "svc")?.spec.environmentVariables == ["K": "V"])
        #expect(await Fixtures.code { try await store.deleteService(named: "svc", ifMatch: nil) } == .serviceNotEmpty)

        try await store.createTrigger(Fixtures.trigger("t", "f", "svc"))
        #expect(
            await Fixtures.code { try await store.createTrigger(Fixtures.trigger("t", "f", "svc")) }
                == .triggerAlreadyExists)
        #expect(
            await Fixtures.code { try await store.deleteFunction(named: "f", service: "svc", ifMatch: nil) }
                == .functionNotEmpty)
        let trigger = try #require(try await store.trigger(named: "t", function: "f", service: "svc"))
        #expect(trigger.spec.triggerConfig?["methods"] == .array([.string("GET")]))
        #expect(try await store.listTriggers(function: "f", service: "svc", PageQuery()).items.map(\.name) == ["t"])

        try await store.deleteTrigger(named: "t", function: "f", service: "svc", ifMatch: "e1")
        try await store.deleteFunction(named: "f", service: "svc", ifMatch: nil)
        try await store.deleteService(named: "svc", ifMatch: nil)
        #expect(try await store.listServices(PageQuery(), tags: [:]).items.isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func configsArePerQualifierAndGoWithTheirFunction(kind: StoreKind) async throws {
        let store = try kind.make()
        try await store.createService(Fixtures.service("svc"))
        try await store.createFunction(Fixtures.function("f", in: "svc"))
        try await store.createFunction(Fixtures.function("g", in: "svc"))
        let latest = QualifiedFunction(serviceName: "svc", qualifier: "LATEST", functionName: "f")
        let prod = QualifiedFunction(serviceName: "svc", qualifier: "prod", functionName: "f")
        for (target, value) in [(latest, 1.0), (prod, 2.0)] {
            try await store.putConfig(
                FunctionConfigRecord(
                    kind: .provision, serviceName: "svc", qualifier: target.qualifier, functionName: "f",
                    fields: ["target": .number(value)], createdTime: Fixtures.now, lastModifiedTime: Fixtures.now))
        }
        #expect(try await store.config(.provision, for: prod)?.fields["target"] == .number(2))
        #expect(try await store.config(.onDemand, for: prod) == nil)
        let all = try await store.listConfigs(.provision, filter: FunctionConfigFilter(), PageQuery(limit: 1))
        #expect(all.items.count == 1)
        #expect(all.nextToken != nil)
        let onlyProd = try await store.listConfigs(
            .provision, filter: FunctionConfigFilter(qualifier: "prod"), PageQuery())
        #expect(onlyProd.items.map(\.qualifier) == ["prod"])
        #expect(try await store.deleteConfig(.provision, for: latest))
        #expect(try await store.deleteConfig(.provision, for: latest) == false)
        try await store.deleteFunction(named: "f", service: "svc", ifMatch: nil)
        #expect(try await store.listConfigs(.provision, filter: FunctionConfigFilter(), PageQuery()).items.isEmpty)
    }
}
