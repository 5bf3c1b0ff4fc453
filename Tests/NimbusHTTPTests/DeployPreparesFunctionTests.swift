import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NimbusCore
import NimbusInvocation
import NimbusPackages
import NimbusRuntime
import NimbusSQLite
import NimbusTesting
import Synchronization
import Testing

@testable import NimbusHTTP

/// A deploy resolves the function for its first call: the management API names the function a write
/// changed, and the runner's cache holds that function's LATEST, as it now is, without a call.
@Suite struct DeployPreparesFunctionTests {
    @Test func theCacheFollowsDeploysAndTriggerChanges() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prepare-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = ChangeTrackingStore(try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path))
        let control = ControlPlane(
            store: store, code: try FileCodeRepository(root: directory.appendingPathComponent("code")),
            credentials: TestServer.credentials, region: "local")
        let logs = FunctionLogs(root: directory.appendingPathComponent("logs"))
        let runner = FunctionRunner(
            control: control,
            supervisor: Supervisor(configuration: RuntimeConfiguration(), logs: logs, logger: Logger(label: "test")),
            changes: store.changes
        ) { directory.appendingPathComponent($0.digest) }
        let named = Mutex<[String]>([])
        let router = Router(context: NimbusRequestContext.self)
        router.add(middleware: FCErrorMiddleware())
        ManagementAPI(
            control: control, codeLinks: CodeLinkSigner(secret: "s") { $0 },
            functionChanged: { service, function in
                named.withLock { $0.append("\(service)/\(function)") }
                runner.prepare(service: service, function: function)
            }
        ).register(on: router)

        try await Application(router: router).test(.router) { client in
            _ = try await client.signed(.post, "/2016-08-15/services", json: #"{"serviceName":"s"}"#)
            let zip = LiveAPITests.storedZip(name: "index.py", content: "def handler(e, c):\n    return e\n")
            let function =
                #"{"functionName":"f","runtime":"python3","handler":"index.handler","memorySize":128,"code":{"zipFile":"\#(zip.base64EncodedString())"}}"#
            #expect(try await client.signed(.post, "/2016-08-15/services/s/functions", json: function).status == .ok)
            let deployed = try await Self.prepared(runner) { $0.deployment.contract.function.spec.memorySize == 128 }
            #expect(deployed != nil)

            let trigger =
                #"{"triggerName":"web","triggerType":"http","triggerConfig":{"authType":"anonymous","methods":["GET"]}}"#
            let triggers = "/2016-08-15/services/s/functions/f/triggers"
            #expect(try await client.signed(.post, triggers, json: trigger).status == .ok)
            let triggered = try await Self.prepared(runner) { $0.isAnonymous && $0.httpMethods == ["GET"] }
            #expect(triggered != nil)

            let update = #"{"memorySize":256}"#
            #expect(try await client.signed(.put, "/2016-08-15/services/s/functions/f", json: update).status == .ok)
            let updated = try await Self.prepared(runner) { $0.deployment.contract.function.spec.memorySize == 256 }
            #expect(updated != nil)

            #expect(try await client.signed(.delete, triggers + "/web").status == .noContent)
            let untriggered = try await Self.prepared(runner) { $0.httpTrigger == nil }
            #expect(untriggered != nil)

            let refused = #"{"functionName":"g","runtime":"cobol","handler":"index.handler"}"#
            #expect(
                try await client.signed(.post, "/2016-08-15/services/s/functions", json: refused).status == .badRequest)
        }
        #expect(named.withLock { $0 } == ["s/f", "s/f", "s/f", "s/f"], "a refused write names no function")
    }

    /// The cached resolution of s/f once it satisfies `condition` (the preparation runs in the background).
    static func prepared(_ runner: FunctionRunner, _ condition: (FunctionRunner.Resolution) -> Bool) async throws
        -> FunctionRunner.Resolution?
    {
        for _ in 0..<200 {
            if let cached = runner.cachedResolution(service: "s", qualifier: "LATEST", function: "f", random: 0),
                condition(cached)
            {
                return cached
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
