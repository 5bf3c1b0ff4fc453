import Foundation
import NimbusCore
import NimbusSQLite
import Testing

@Suite struct SQLiteDurabilityTests {
    @Test func dataSurvivesReopeningTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-reopen-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("db.sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            try await store.createService(Fixtures.service("kept"))
            try await store.createFunction(Fixtures.function("f", in: "kept"))
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.function(named: "f", service: "kept")?.code.size == 10)
    }

    @Test func concurrentCreatesOfOneNameLeaveExactlyOne() async throws {
        let store = try StoreKind.sqlite.make()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await store.createService(Fixtures.service("race"))) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.listServices(PageQuery(), tags: [:]).items.count == 1)
    }
}
