import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import NimbusRuntime

/// The kept connections to instances, against a program played by an in-process server.
struct UpstreamConnectionsTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static func call(
        _ connections: UpstreamConnections, _ program: FakeProgram, _ path: String, body: String = "x",
        limit: Int = 1 << 20, on loop: any EventLoop
    ) async throws -> String {
        let response = try await connections.exchange(
            instance: "i-1", port: program.port, network: nil, head: InstanceRequest.control(.POST, path, port: 0),
            body: ByteBuffer(string: body), limit: limit, on: loop
        ).get()
        connections.giveBack(response.channel, instance: "i-1")
        return String(buffer: response.body)
    }

    /// A call keeps to its request's event loop: each loop has connections of its own, reused there.
    @Test func connectionsAreKeptPerEventLoop() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let connections = UpstreamConnections(logger: Logger(label: "test"))
        let (first, second) = (Self.group.next(), Self.group.next())
        try #require(first !== second)
        for loop in [first, second, first, second, first] {
            #expect(try await Self.call(connections, program, "/ok", on: loop) == "echo x")
        }
        #expect(program.connections == 2)
    }

    /// An answer past the limit ends the exchange and its connection; the next call opens another.
    @Test func anAnswerPastTheLimitFailsAndItsConnectionIsNotKept() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let connections = UpstreamConnections(logger: Logger(label: "test"))
        let loop = Self.group.next()
        await #expect(throws: UpstreamError.self) {
            try await Self.call(
                connections, program, "/ok", body: String(repeating: "a", count: 4096), limit: 1024, on: loop)
        }
        #expect(try await Self.call(connections, program, "/ok", on: loop) == "echo x")
        #expect(program.connections == 2)
    }

    /// A kept connection the program closes just as a request goes out on it: the request goes again
    /// on a new connection instead of ending as a crash (which would kill the instance).
    @Test func aKeptConnectionClosedAsTheRequestGoesOutIsRetriedOnANewOne() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let connections = UpstreamConnections(logger: Logger(label: "test"))
        let loop = Self.group.next()
        #expect(try await Self.call(connections, program, "/drop-reused", body: "1", on: loop) == "echo 1")
        #expect(try await Self.call(connections, program, "/drop-reused", body: "2", on: loop) == "echo 2")
        #expect(program.connections == 2)
        #expect(program.heads.map(\.uri) == ["/drop-reused", "/drop-reused", "/drop-reused"])
    }

    /// On a new connection the same close is the program's doing: the exchange fails (a crash), once.
    @Test func aNewConnectionClosedBeforeTheAnswerIsNotRetried() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let connections = UpstreamConnections(logger: Logger(label: "test"))
        await #expect(throws: UpstreamError.closedBeforeResponse) {
            try await Self.call(connections, program, "/drop", on: Self.group.next())
        }
        #expect(program.connections == 1)
    }
}
