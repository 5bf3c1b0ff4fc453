import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NimbusCore

/// The one way Nimbus talks to an instance's program. Warm-lane calls, calls through the instance's
/// actor, initializers, lifecycle hooks and standby assignments are all one ``exchange(_:on:)``,
/// with one set of rules: the deadline kills the instance, a broken exchange kills it too, and an
/// OOM kill the cgroup counted during the exchange makes it out-of-memory rather than a crash.
package final class InstanceClient: Sendable {
    let group: any EventLoopGroup
    private let connections: UpstreamConnections
    private let logger: Logger

    package init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.group = group
        self.logger = logger
        self.connections = UpstreamConnections(logger: logger)
    }

    /// One request to one instance, and what ends the instance if it goes wrong.
    struct Exchange: Sendable {
        var instanceId: String
        /// nimbus-init's relay on the host's loopback.
        var port: Int
        /// The program's namespace, where new connections are made when it is known.
        var network: InstanceNetwork?
        var head: HTTPRequestHead
        var body: ByteBuffer
        /// Seconds until the instance is killed and the exchange is a timeout.
        var timeout: Int
        /// Killed on a timeout or a broken exchange; nil (a probe) kills nothing.
        var process: InstanceProcess?
        var cgroup: InstanceCgroup?
        /// Named in the log line when the exchange ends the instance.
        var contract: InstanceContract
        var requestId: String
    }

    enum Outcome: Sendable {
        case reply(HTTPResponseHead, ByteBuffer)
        case ended(InstanceReply.Failure, detail: String)
    }

    /// Runs the exchange on `loop` (the caller's own, for the lane: no thread change). Never fails.
    func exchange(_ exchange: Exchange, on loop: any EventLoop) -> EventLoopFuture<Outcome> {
        if loop.inEventLoop { return run(exchange, on: loop) }
        return loop.flatSubmit { self.run(exchange, on: loop) }
    }

    private func run(_ exchange: Exchange, on loop: any EventLoop) -> EventLoopFuture<Outcome> {
        // A kill during this exchange is its out-of-memory; one before it (a child an earlier call
        // survived) is not.
        let killsBefore = exchange.cgroup?.oomKills() ?? 0
        let result = loop.makePromise(of: Outcome.self)
        let finished = NIOLoopBoundBox(false, eventLoop: loop)
        let deadline = loop.scheduleTask(in: .seconds(Int64(exchange.timeout))) {
            guard !finished.value else { return }
            finished.value = true
            self.end(exchange, by: .timeout, detail: "", result)
        }
        connections.exchange(
            instance: exchange.instanceId, port: exchange.port, network: exchange.network, head: exchange.head,
            body: exchange.body,
            limit: Self.maximumReplyBytes, on: loop
        ).whenComplete { outcome in
            deadline.cancel()
            guard !finished.value else {
                if case .success(let response) = outcome { response.channel.close(promise: nil) }
                return
            }
            finished.value = true
            switch outcome {
            case .success(let response):
                if response.head.isKeepAlive {
                    self.connections.giveBack(response.channel, instance: exchange.instanceId)
                } else {
                    response.channel.close(promise: nil)
                }
                result.succeed(.reply(response.head, response.body))
            case .failure(let error):
                let counted: @Sendable () -> Bool = { (exchange.cgroup?.oomKills() ?? 0) > killsBefore }
                let settle: @Sendable () -> Void = {
                    self.end(exchange, by: counted() ? .outOfMemory : .crash, detail: "\(error)", result)
                }
                // The kernel counts an OOM kill just after it sends it: a broken connection can come first.
                if exchange.cgroup == nil || counted() {
                    settle()
                } else {
                    loop.scheduleTask(in: Self.oomCountSettle) { settle() }
                }
            }
        }
        return result.futureResult
    }

    private func end(
        _ exchange: Exchange, by failure: InstanceReply.Failure, detail: String, _ result: EventLoopPromise<Outcome>
    ) {
        guard exchange.process != nil || exchange.cgroup != nil else {
            result.succeed(.ended(failure, detail: detail))
            return
        }
        exchange.process?.killNow()
        exchange.cgroup?.killAll()
        result.succeed(.ended(failure, detail: detail))
        logger.callEndedInstance(
            failure, timeout: exchange.timeout, instanceId: exchange.instanceId, contract: exchange.contract,
            requestId: exchange.requestId, detail: detail)
    }

    /// Largest reply body accepted from an instance.
    static let maximumReplyBytes = 64 << 20

    /// How long a crash waits for the kernel's OOM-kill count before it is called a crash.
    static let oomCountSettle: TimeAmount = .milliseconds(10)
}
