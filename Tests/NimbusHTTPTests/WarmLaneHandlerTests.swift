import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

@testable import NimbusHTTP

/// The lane's handler on an `EmbeddedChannel`: which parts reach the router, in what order the
/// answers leave, and what it does with a slow, a closing or a flooding client.
@Suite struct WarmLaneHandlerTests {
    /// Takes every path under `/lane`; the test answers each call when it likes.
    final class FakeLane: CallLane, @unchecked Sendable {
        let bodyLimit = 1 << 20
        /// The calls started, with their bodies, and the promises that answer them (event loop only).
        var started: [(path: String, body: ByteBuffer, answer: EventLoopPromise<(HTTPResponse, ByteBuffer)>)] = []

        func plan(for request: HTTPRequest) -> String? {
            request.path.flatMap { $0.hasPrefix("/lane") ? $0 : nil }
        }

        func start(_ plan: String, _ request: HTTPRequest, body: ByteBuffer, clientIP: String, on loop: any EventLoop)
            -> EventLoopFuture<(HTTPResponse, ByteBuffer)>
        {
            let promise = loop.makePromise(of: (HTTPResponse, ByteBuffer).self)
            started.append((plan, body, promise))
            return promise.futureResult
        }

        func answer(_ index: Int, _ text: String) {
            started[index].answer.succeed((HTTPResponse(status: .ok), ByteBuffer(string: text)))
        }
    }

    /// Counts the reads the handler lets through towards the socket.
    final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = HTTPResponsePart
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    let lane = FakeLane()
    let reads = ReadCounter()
    let channel: EmbeddedChannel

    init() throws {
        channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([reads, WarmLaneHandler(lane: lane)])
    }

    static func head(_ path: String, method: HTTPRequest.Method = .get) -> HTTPRequestPart {
        .head(HTTPRequest(method: method, scheme: nil, authority: "x", path: path))
    }

    func send(_ path: String, body: ByteBuffer? = nil) throws {
        try channel.writeInbound(Self.head(path))
        if let body { try channel.writeInbound(HTTPRequestPart.body(body)) }
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    /// The paths of the request heads the router received, in order.
    func routed() throws -> [String] {
        var paths: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            if case .head(let head) = part { paths.append(head.path ?? "") }
        }
        return paths
    }

    /// The bodies of the answers written to the client, in order.
    func answers() throws -> [String] {
        var bodies: [String] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            if case .body(let body) = part { bodies.append(String(buffer: body)) }
        }
        return bodies
    }

    /// The router's answer to the oldest request it has, written back through the handler.
    func routerAnswers(_ text: String) throws {
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.body(ByteBuffer(string: text)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
    }

    @Test func pipelinedRequestsWaitForTheLanesAnswerAndKeepTheirOrder() throws {
        try send("/lane/1", body: ByteBuffer(string: "hi"))
        try send("/router/2")
        try send("/lane/3")
        #expect(try routed() == [], "nothing passes the lane while it answers")
        #expect(lane.started.map(\.path) == ["/lane/1"])
        #expect(String(buffer: lane.started[0].body) == "hi")

        lane.answer(0, "one")
        #expect(try answers() == ["one"])
        // The router's request goes on; the lane request behind it follows it to the router, since
        // the router has not answered yet.
        #expect(try routed() == ["/router/2", "/lane/3"])
        #expect(lane.started.count == 1)

        try routerAnswers("two")
        try routerAnswers("three")
        #expect(try answers() == ["two", "three"])
        try send("/lane/4")
        #expect(lane.started.map(\.path) == ["/lane/1", "/lane/4"], "with the router done, the lane takes calls again")
        lane.answer(1, "four")
        #expect(try answers() == ["four"])
    }

    @Test func aClientThatKeepsSendingWhileTheLaneAnswersIsNotReadFrom() throws {
        try send("/lane/1")
        channel.read()
        #expect(reads.reads == 1, "nothing held yet: reading goes on")
        try send("/router/2")
        channel.read()
        channel.read()
        #expect(reads.reads == 1, "parts held: the socket is not read until the lane answers")
        lane.answer(0, "one")
        #expect(reads.reads == 2, "answered: the one read it asked for goes through")
        #expect(try routed() == ["/router/2"])
    }

    @Test func aClientThatClosesMidCallLeavesNothingBehind() throws {
        try send("/lane/1")
        try send("/router/2")
        _ = try channel.finish(acceptAlreadyClosed: true)
        lane.answer(0, "late")  // the call ends after the client went away: written nowhere, no trap
        #expect(try routed() == [], "the held request of a closed connection never reaches the router")
    }

    @Test func aFailedCallClosesTheConnection() throws {
        try send("/lane/1")
        struct Broken: Error {}
        lane.started[0].answer.fail(Broken())
        #expect(!channel.isActive)
    }

    @Test func aSixteenMegabyteBodyGoesToTheRouterWhole() throws {
        try channel.writeInbound(Self.head("/lane/big", method: .post))
        let chunk = ByteBuffer(repeating: 7, count: 1 << 20)
        for _ in 0..<16 { try channel.writeInbound(HTTPRequestPart.body(chunk)) }
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(lane.started.isEmpty, "past the lane's body limit the call is the router's")
        var heads: [String] = []
        var bytes = 0
        var ends = 0
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            switch part {
            case .head(let head): heads.append(head.path ?? "")
            case .body(let body): bytes += body.readableBytes
            case .end: ends += 1
            }
        }
        #expect(heads == ["/lane/big"] && bytes == 16 << 20 && ends == 1)
    }
}
