import Foundation
import Logging
import NIOCore
import NimbusCore
import NimbusRuntime
import Testing

/// The supervisor with real processes: a tiny custom-runtime server written in Python.
@Suite(.serialized) struct SupervisorTests {
    static let server = """
        #!/usr/bin/env python3
        import os
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        class H(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def do_POST(self):
                self.rfile.read(int(self.headers.get('Content-Length') or 0))
                body = str(os.getpid()).encode()
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args): pass
        ThreadingHTTPServer(('127.0.0.1', int(os.environ['FC_SERVER_PORT'])), H).serve_forever()
        """

    static func deployment(etag: String = "e1") throws -> Deployment {
        let code = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-sup-\(UUID())")
        try FileManager.default.createDirectory(at: code, withIntermediateDirectories: true)
        let bootstrap = code.appendingPathComponent("bootstrap")
        try server.write(to: bootstrap, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bootstrap.path)
        return Deployment.forTests(runtime: "custom", etag: etag, codeDirectory: code)
    }

    static func makeSupervisor(idle: TimeInterval) -> Supervisor {
        var configuration = RuntimeConfiguration()
        configuration.idleTimeout = idle
        let logs = FunctionLogs(
            root: FileManager.default.temporaryDirectory.appendingPathComponent("sup-logs-\(UUID())"))
        return Supervisor(configuration: configuration, logs: logs, logger: Logger(label: "test"))
    }

    static func call(_ supervisor: Supervisor, _ deployment: Deployment) async throws -> Int32 {
        let reply = try await supervisor.invoke(
            deployment, InstanceCall(requestId: UUID().uuidString, kind: .event(ByteBuffer()), wantsLogTail: false))
        #expect(reply.errorType == nil)
        // A real pid or the test stops here: kill(-1, 0) would report "alive" for any fallback of -1.
        let pid = try #require(Int32(String(buffer: reply.body)), "the program answers its pid")
        try #require(pid > 1, "the program answers its pid")
        return pid
    }

    static func alive(_ pid: Int32) -> Bool { pid > 1 && kill(pid, 0) == 0 }

    static func waitUntil(_ seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    @Test func warmCallsReuseAnInstanceAndIdleOnesAreReaped() async throws {
        let supervisor = Self.makeSupervisor(idle: 1)
        let service = Task { try await supervisor.run() }
        defer { service.cancel() }
        let deployment = try Self.deployment()
        let first = try await Self.call(supervisor, deployment)
        let second = try await Self.call(supervisor, deployment)
        #expect(first == second && Self.alive(first))
        let reaped = await Self.waitUntil(10) { await supervisor.instances(service: "svc", function: "fn").isEmpty }
        #expect(reaped)
        #expect(await Self.waitUntil(5) { !Self.alive(first) }, "the reaped instance's program is gone")
    }

    @Test func aNewConfigurationRetiresTheOldInstances() async throws {
        let supervisor = Self.makeSupervisor(idle: 300)
        let service = Task { try await supervisor.run() }
        defer { service.cancel() }
        let old = try await Self.call(supervisor, try Self.deployment(etag: "v1"))
        let new = try await Self.call(supervisor, try Self.deployment(etag: "v2"))
        #expect(old != new)
        #expect(await Self.waitUntil(10) { !Self.alive(old) }, "the old configuration's idle instance is stopped")
        #expect(Self.alive(new))
    }

    @Test func shutdownStopsEveryProcess() async throws {
        let supervisor = Self.makeSupervisor(idle: 300)
        let deployment = try Self.deployment()
        let pid = try await Self.call(supervisor, deployment)
        #expect(Self.alive(pid))
        await supervisor.shutdown()
        #expect(await Self.waitUntil(5) { !Self.alive(pid) })
    }
}
