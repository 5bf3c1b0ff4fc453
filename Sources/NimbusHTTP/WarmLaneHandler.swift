import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// What the handler asks of a lane: a plan from a request's head, and the answer to a planned call.
/// ``WarmLane`` is the one Nimbus runs; tests drive the handler with a fake.
protocol CallLane: Sendable {
    associatedtype Plan
    /// Bodies up to this size are collected; larger ones go to the router.
    var bodyLimit: Int { get }
    /// Nil sends the request to the router.
    func plan(for request: HTTPRequest) -> Plan?
    func start(_ plan: Plan, _ request: HTTPRequest, body: ByteBuffer, clientIP: String, on loop: any EventLoop)
        -> EventLoopFuture<(HTTPResponse, ByteBuffer)>
}

/// Sits in each HTTP/1 connection's pipeline between the codec and Hummingbird: requests the
/// ``WarmLane`` takes are answered here, on the event loop; every other part goes on to the router.
///
/// HTTP/1 answers in order, so a request follows the router's unanswered ones there, and requests
/// that arrive while the lane answers wait until it has.
final class WarmLaneHandler<Lane: CallLane>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        case idle
        /// A lane candidate: its head and the body so far.
        case collecting(HTTPRequest, Lane.Plan, ByteBuffer)
        /// A request on its way to the router, until its end.
        case routing
        case answering
    }

    private let lane: Lane
    private var state = State.idle
    /// Requests handed to the router whose responses have not ended.
    private var unanswered = 0
    /// Parts that arrived while the lane answered (pipelined requests), handled after it.
    private var held: [HTTPRequestPart] = []
    private var clientIP: String?
    /// A read the channel asked for while the lane answered and parts were already held: a client
    /// that keeps sending meanwhile is slowed down instead of buffered without bound.
    private var readHeld = false

    init(lane: Lane) {
        self.lane = lane
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            held.append(part)
        } else {
            handle(part, context: context)
        }
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let request)):
            if unanswered == 0, let plan = lane.plan(for: request) {
                state = .collecting(request, plan, context.channel.allocator.buffer(capacity: 0))
            } else {
                route([.head(request)], context: context)
            }
        case (.collecting(let request, let plan, var body), .body(var chunk)):
            body.writeBuffer(&chunk)
            if body.readableBytes > lane.bodyLimit {
                // Past the head's own Content-Length: the codec stops that first. The router refuses it.
                route([.head(request), .body(body)], context: context)
            } else {
                state = .collecting(request, plan, body)
            }
        case (.collecting(let request, let plan, let body), .end):
            let ip = clientIP ?? context.channel.remoteAddress?.ipAddress ?? ""
            clientIP = ip
            let answer = lane.start(plan, request, body: body, clientIP: ip, on: context.eventLoop)
            state = .answering
            // Completed on this loop: the handler and its context are used where they live.
            answer.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let (head, body)):
                    context.write(self.wrapOutboundOut(.head(head)), promise: nil)
                    if body.readableBytes > 0 { context.write(self.wrapOutboundOut(.body(body)), promise: nil) }
                    context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
                case .failure:
                    context.close(promise: nil)
                }
                self.answered(context: context)
            }
        case (.routing, _):
            context.fireChannelRead(wrapInboundOut(part))
            if case .end = part { state = .idle }
        default:
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    /// Hands parts to the router; the first is a request's head.
    private func route(_ parts: [HTTPRequestPart], context: ChannelHandlerContext) {
        unanswered += 1
        state = .routing
        for part in parts {
            if case .body(let body) = part, body.readableBytes == 0 { continue }
            context.fireChannelRead(wrapInboundOut(part))
            if case .end = part { state = .idle }
        }
    }

    private func answered(context: ChannelHandlerContext) {
        state = .idle
        defer { resumeReading(context: context) }
        let waiting = held
        held = []
        for part in waiting {
            if case .answering = state {
                held.append(part)
            } else {
                handle(part, context: context)
            }
        }
        // Hummingbird's async channel passes reads on at read-complete; replayed parts need one too.
        if !waiting.isEmpty { context.fireChannelReadComplete() }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unanswered = max(0, unanswered - 1) }
        context.write(data, promise: promise)
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeld else { return }
        if case .answering = state { return }  // a replayed request is on the lane again
        readHeld = false
        context.read()
    }

    func read(context: ChannelHandlerContext) {
        // Only a client that already sent more while the lane answers waits (toggling read
        // interest on every call would cost two epoll_ctl calls each).
        if case .answering = state, !held.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        held = []
        context.fireChannelInactive()
    }
}
