import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NimbusCore
import Synchronization

/// Keep-alive HTTP/1.1 connections to instances, kept per event loop and instance, for the
/// ``InstanceClient``: a warm call goes out on the loop its request came in on, so it never
/// changes threads.
///
/// A connection serves one exchange at a time; idle ones wait in the table until the instance
/// closes them (it exits, or its server drops idle connections), which removes them.
final class UpstreamConnections: Sendable {
    private struct Key: Hashable {
        var loop: ObjectIdentifier
        var instance: String
    }

    private let idle = Mutex<[Key: [any Channel]]>([:])
    /// Idle connections kept per loop and instance; more are closed after their exchange.
    let keepPerInstance = 32

    init(logger: Logger) { self.logger = logger }

    private let logger: Logger

    /// One exchange: the request head and body out, the whole response back (up to `limit` bytes).
    /// A new connection is made inside the instance's namespace when `network` is known, else
    /// through nimbus-init's relay on `port`.
    func exchange(
        instance: String, port: Int, network: InstanceNetwork?, head: HTTPRequestHead, body: ByteBuffer, limit: Int,
        on loop: any EventLoop
    ) -> EventLoopFuture<UpstreamResponse> {
        let key = Key(loop: ObjectIdentifier(loop), instance: instance)
        let request = (head: head, body: body, limit: limit)
        let onNewConnection: @Sendable () -> EventLoopFuture<UpstreamResponse> = {
            self.connect(instance: instance, port: port, network: network, on: loop).flatMap { channel in
                channel.closeFuture.whenComplete { _ in self.forget(channel, key: key) }
                return Self.send(request, on: channel)
            }
        }
        guard let channel = takeIdle(key) else { return onNewConnection() }
        // A kept connection the program closed while it was idle (its server's keep-alive timeout:
        // Node's 5 s, gunicorn's 2 s) can go out of the table just as this request goes out on it. It
        // then ends before a byte of answer, and the request goes again, once, on a new connection.
        // A program that read it and died answers nothing there either: still a crash, not a retry loop.
        return Self.send(request, on: channel).flatMapError { error in
            guard case UpstreamError.closedBeforeResponse = error else { return loop.makeFailedFuture(error) }
            return onNewConnection()
        }
    }

    private static func send(
        _ request: (head: HTTPRequestHead, body: ByteBuffer, limit: Int), on channel: any Channel
    ) -> EventLoopFuture<UpstreamResponse> {
        let promise = channel.eventLoop.makePromise(of: UpstreamResponse.self)
        channel.writeAndFlush(
            UpstreamExchange(head: request.head, body: request.body, limit: request.limit, promise: promise)
        ).cascadeFailure(to: promise)
        return promise.futureResult
    }

    private func connect(instance: String, port: Int, network: InstanceNetwork?, on loop: any EventLoop)
        -> EventLoopFuture<any Channel>
    {
        guard let network else { return Self.bootstrap(loop).connect(host: "127.0.0.1", port: port) }
        // setns and a blocking connect: on a pool thread, never on the event loop.
        return NIOThreadPool.singleton.runIfActive(eventLoop: loop) { () throws(NimbusError) -> Int32 in
            try network.connect()
        }
        .flatMap { descriptor in Self.bootstrap(loop).withConnectedSocket(descriptor) }
        .flatMapError { error in
            // Not silent: the call still goes, the slower way, and the log says why.
            self.logger.warning(
                "cannot connect inside the instance's network namespace; using its relay",
                metadata: ["instance.id": .string(instance), "error": .string("\(error)")])
            return Self.bootstrap(loop).connect(host: "127.0.0.1", port: port)
        }
    }

    private static func bootstrap(_ loop: any EventLoop) -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
    }

    /// Puts a connection back after a complete exchange (or closes it when enough are idle).
    func giveBack(_ channel: any Channel, instance: String) {
        guard channel.isActive else { return }
        let key = Key(loop: ObjectIdentifier(channel.eventLoop), instance: instance)
        let kept = idle.withLock { idle -> Bool in
            guard idle[key, default: []].count < keepPerInstance else { return false }
            idle[key, default: []].append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    private func takeIdle(_ key: Key) -> (any Channel)? {
        idle.withLock { idle in
            while let channel = idle[key]?.popLast() {
                if idle[key]?.isEmpty == true { idle[key] = nil }
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    private func forget(_ channel: any Channel, key: Key) {
        idle.withLock { idle in
            idle[key]?.removeAll { $0 === channel }
            if idle[key]?.isEmpty == true { idle[key] = nil }
        }
    }
}

/// An instance's answer to a warm-lane exchange.
struct UpstreamResponse: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer
    /// The connection, free for the next exchange once the caller is done.
    var channel: any Channel
}

enum UpstreamError: Error {
    /// The connection ended before a byte of the answer; `closedMidResponse` after some.
    case closedBeforeResponse, closedMidResponse, replyTooLarge, busy
}

/// The outbound message that starts an exchange on an upstream connection.
struct UpstreamExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var limit: Int
    var promise: EventLoopPromise<UpstreamResponse>
}

/// Writes one request and collects its response; fails the exchange if the connection ends first.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = UpstreamExchange
    typealias OutboundOut = HTTPClientRequestPart

    private var current: UpstreamExchange?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard current == nil else {
            exchange.promise.fail(UpstreamError.busy)
            promise?.fail(UpstreamError.busy)
            return
        }
        current = exchange
        var head = exchange.head
        head.headers.replaceOrAdd(name: "content-length", value: String(exchange.body.readableBytes))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if exchange.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(exchange.body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else { return }
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
        case .body(var part):
            if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
            if body!.readableBytes > exchange.limit {
                finish(with: .failure(UpstreamError.replyTooLarge))
                context.close(promise: nil)
            }
        case .end:
            guard let responseHead = head else { return }
            let response = UpstreamResponse(
                head: responseHead, body: body ?? ByteBuffer(), channel: context.channel)
            finish(with: .success(response))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(with: .failure(head == nil ? UpstreamError.closedBeforeResponse : UpstreamError.closedMidResponse))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(with: .failure(error))
        context.close(promise: nil)
    }

    private func finish(with result: Result<UpstreamResponse, any Error>) {
        guard let exchange = current else { return }
        current = nil
        head = nil
        body = nil
        exchange.promise.completeWith(result)
    }
}
