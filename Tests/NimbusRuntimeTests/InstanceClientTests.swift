import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NimbusCore
import Synchronization
import Testing

@testable import NimbusRuntime

/// The one instance client against a program played by an in-process HTTP server: what it sends,
/// how it keeps connections, and how it ends an exchange that goes wrong.
@Suite struct InstanceClientTests {
    let contract = InstanceContract.standby(runtime: "python3", region: "cn-test")

    @Test func callsCarryTheContractAndTheClientsHeadersButNotHopByHopOnes() throws {
        var contractHeaders = InstanceRequest.headers(contract, requestId: "r-1", controlPath: "/http-invoke")
        contractHeaders.add(name: "x-extra", value: "kept")
        let call = HTTPCall(
            method: "PUT", requestURI: "/a?b=1", functionPath: "/a",
            headers: [
                ("accept", "text/plain"), ("connection", "close"), ("transfer-encoding", "chunked"),
                ("x-fc-function-name", "spoofed"), ("host", "client.example"),
            ], body: ByteBuffer(string: "hi"), clientIP: "10.0.0.9", host: "client.example")
        let request = InstanceRequest.call(.http(call), contractHeaders: contractHeaders, port: 9000)
        let headers = request.head.headers
        #expect(request.isHTTP)
        #expect(request.head.method == .PUT && request.head.uri == "/a?b=1")
        #expect(headers["x-fc-request-id"] == ["r-1"])
        #expect(headers["x-fc-function-name"] == ["standby"])
        #expect(headers["x-fc-control-path"] == ["/http-invoke"])
        #expect(headers["host"] == ["127.0.0.1:9000"])
        #expect(headers["accept"] == ["text/plain"])
        #expect(headers["connection"].isEmpty && headers["transfer-encoding"].isEmpty)
        let params = try #require(headers.first(name: "x-fc-http-params"))
        let envelope = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: params)))
        let fields = try #require(envelope as? [String: Any])
        #expect(fields["path"] as? String == "/a" && fields["clientIP"] as? String == "10.0.0.9")

        let event = InstanceRequest.call(
            .event(ByteBuffer(string: "{}")),
            contractHeaders: InstanceRequest.headers(contract, requestId: "r-2", controlPath: "/invoke", retryCount: 2),
            port: 9001)
        #expect(!event.isHTTP && event.head.method == .POST && event.head.uri == "/invoke")
        #expect(event.head.headers["x-fc-retry-count"] == ["2"])
        #expect(event.head.headers["content-type"] == ["application/octet-stream"])
    }

    @Test func anAnswerComesBackAndItsConnectionServesTheNextExchange() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let client = InstanceClient(logger: Logger(label: "test"))
        let loop = client.group.next()
        for n in 1...3 {
            let outcome = try await client.exchange(exchange(program, path: "/ok", body: "call \(n)"), on: loop).get()
            guard case .reply(let head, let body) = outcome else {
                Issue.record("expected a reply, got \(outcome)")
                return
            }
            #expect(head.status == .ok)
            #expect(String(buffer: body) == "echo call \(n)")
        }
        #expect(program.connections == 1)
        #expect(program.heads.map(\.uri) == ["/ok", "/ok", "/ok"])
    }

    @Test func aProgramThatNeverAnswersIsATimeout() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let client = InstanceClient(logger: Logger(label: "test"))
        let began = ContinuousClock.now
        let outcome = try await client.exchange(exchange(program, path: "/hang", timeout: 1), on: client.group.next())
            .get()
        guard case .ended(.timeout, _) = outcome else {
            Issue.record("expected a timeout, got \(outcome)")
            return
        }
        #expect(ContinuousClock.now - began >= .seconds(1))
    }

    @Test func aConnectionClosedBeforeTheAnswerIsACrash() async throws {
        let program = try await FakeProgram.start()
        defer { program.stop() }
        let client = InstanceClient(logger: Logger(label: "test"))
        let outcome = try await client.exchange(exchange(program, path: "/drop"), on: client.group.next()).get()
        guard case .ended(.crash, let detail) = outcome else {
            Issue.record("expected a crash, got \(outcome)")
            return
        }
        #expect(!detail.isEmpty)
    }

    @Test func nothingListeningIsACrash() async throws {
        let client = InstanceClient(logger: Logger(label: "test"))
        let port = try PortAllocator.freePort()
        var request = exchangeTo(port: port, path: "/ok")
        request.timeout = 2
        let outcome = try await client.exchange(request, on: client.group.next()).get()
        guard case .ended(.crash, _) = outcome else {
            Issue.record("expected a crash, got \(outcome)")
            return
        }
    }

    private func exchange(_ program: FakeProgram, path: String, body: String = "", timeout: Int = 5)
        -> InstanceClient.Exchange
    {
        var request = exchangeTo(port: program.port, path: path)
        request.body = ByteBuffer(string: body)
        request.timeout = timeout
        return request
    }

    private func exchangeTo(port: Int, path: String) -> InstanceClient.Exchange {
        InstanceClient.Exchange(
            instanceId: "i-\(port)", port: port, network: nil,
            head: InstanceRequest.control(.POST, path, port: port), body: ByteBuffer(), timeout: 5, process: nil,
            cgroup: nil, contract: contract, requestId: "r")
    }
}

/// A program on 127.0.0.1: `/ok` echoes the body, `/hang` never answers, `/drop` closes the connection,
/// `/drop-reused` closes it unanswered when it served a request before (a server's keep-alive timeout
/// closing an idle connection just as a request goes out on it).
final class FakeProgram: Sendable {
    let channel: any Channel
    let port: Int
    private let seen = Mutex<(heads: [HTTPRequestHead], connections: Int)>(([], 0))

    var heads: [HTTPRequestHead] { seen.withLock { $0.heads } }
    var connections: Int { seen.withLock { $0.connections } }

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start() async throws -> FakeProgram {
        let box = Mutex<FakeProgram?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    let program = box.withLock { $0 }
                    program?.seen.withLock { $0.connections += 1 }
                    try child.pipeline.syncOperations.addHandler(
                        Handler(record: { head in program?.seen.withLock { $0.heads.append(head) } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let program = FakeProgram(channel: channel)
        box.withLock { $0 = program }
        return program
    }

    func stop() { channel.close(promise: nil) }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let record: (HTTPRequestHead) -> Void
        var head: HTTPRequestHead?
        var body = ByteBuffer()
        /// Requests answered on this connection.
        var answered = 0

        init(record: @escaping (HTTPRequestHead) -> Void) { self.record = record }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
                record(head)
            case .body(var part): body.writeBuffer(&part)
            case .end:
                switch head?.uri {
                case "/drop-reused" where answered > 0: context.close(promise: nil)
                case "/ok", "/drop-reused":
                    answered += 1
                    var answer = ByteBuffer(string: "echo ")
                    answer.writeBuffer(&body)
                    var headers = HTTPHeaders()
                    headers.add(name: "content-length", value: String(answer.readableBytes))
                    context.write(
                        wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                        promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(answer))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                case "/drop": context.close(promise: nil)
                default: break  // /hang
                }
            }
        }
    }
}
