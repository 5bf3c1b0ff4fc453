import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

/// What the warm lane needs to call a ready instance without its actor.
package struct WarmTarget: Sendable {
    let instanceId: String
    let port: Int
    let contract: InstanceContract
    /// The contract's `x-fc-*` headers for an HTTP call, all but the request id (built once).
    let contractHeaders: HTTPHeaders
    /// The same for an event call (`POST /invoke`).
    let eventHeaders: HTTPHeaders
    let ledger: CallLedger
    let cgroup: InstanceCgroup?
    let process: InstanceProcess?
    let isCustomRuntime: Bool
    let logs: FunctionLogs
}

/// A slot claimed on a warm instance; ``Supervisor/runWarm(_:requestId:kind:on:)`` gives it back.
package struct WarmLease: Sendable {
    let key: Supervisor.PoolKey
    let slot: InstancePool.InstanceID
    let target: WarmTarget
}

extension Instance {
    /// The lane's handle on this ready instance; nil when its calls must go through the actor
    /// (a preFreeze hook runs after calls, which only the actor does).
    func warmTarget() -> WarmTarget? {
        guard state == .ready, port > 0, !exited,
            contract.function.spec.instanceLifecycleConfig?.preFreeze?.handler?.isEmpty ?? true
        else { return nil }
        return WarmTarget(
            instanceId: id, port: port, contract: contract, contractHeaders: contractHeaders("/http-invoke"),
            eventHeaders: contractHeaders("/invoke"), ledger: ledger, cgroup: cgroup, process: process,
            isCustomRuntime: isCustomRuntime, logs: logs)
    }

    private func contractHeaders(_ controlPath: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in contract.headers(requestId: "", controlPath: controlPath) where name != "x-fc-request-id" {
            headers.add(name: name, value: value)
        }
        return headers
    }
}

extension Supervisor {
    /// A free slot on a ready instance of the deployment, taken without the actor; nil when the call
    /// must take the actor's path (no warm capacity, calls queued, a retired configuration).
    package nonisolated func claimWarm(_ deployment: Deployment) -> WarmLease? {
        let key = deployment.key
        let lease = pools.update(key) { entry -> WarmLease? in
            guard !entry.retired, let slot = entry.pool.claim() else { return nil }
            guard let target = entry.targets[slot] else {
                _ = entry.pool.finished(on: slot, now: Date())  // nothing is queued: no actions
                return nil
            }
            return WarmLease(key: key, slot: slot, target: target)
        }
        return lease ?? nil
    }

    /// Runs a call (an HTTP-trigger request, or an event) on a claimed slot, on the event loop the
    /// request came in on: the request, headers, deadline, crash and out-of-memory handling of
    /// ``Instance/call(_:)``, with no actor and no thread change. `http.headers` names are lowercase.
    package nonisolated func runWarm(
        _ lease: WarmLease, requestId: String, kind: InstanceCall.Kind, on loop: any EventLoop
    ) -> EventLoopFuture<InstanceReply> {
        let target = lease.target
        let timeout = target.contract.function.spec.timeout ?? 3
        let (head, body, isHTTP) = Self.warmRequest(kind, target: target, requestId: requestId)

        // The peak is per call where the cgroup can reset it (v1), as on the actor's path.
        if target.ledger.laneCallBegan(requestId) == 1 { target.cgroup?.resetPeak() }
        let killsBefore = target.cgroup?.oomKills() ?? 0
        if target.isCustomRuntime { log(target, InstanceReply.invokeStartLine(requestId), requestId) }
        let began = Date()
        let result = loop.makePromise(of: InstanceReply.self)
        let finished = NIOLoopBoundBox(false, eventLoop: loop)
        let deadline = loop.scheduleTask(in: .seconds(Int64(timeout))) {
            guard !finished.value else { return }
            finished.value = true
            target.process?.killNow()
            target.cgroup?.killAll()
            result.succeed(Self.ended(target, by: .timeout, timeout: timeout, began: began))
            self.logger.callEndedInstance(
                .timeout, timeout: timeout, instanceId: target.instanceId, contract: target.contract,
                requestId: requestId, detail: "")
        }
        UpstreamConnections.shared.exchange(
            instance: target.instanceId, port: target.port, head: head, body: body,
            limit: Instance.maximumReplyBytes, on: loop
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
                    UpstreamConnections.shared.giveBack(response.channel, instance: target.instanceId)
                } else {
                    response.channel.close(promise: nil)
                }
                result.succeed(
                    Instance.reply(
                        status: Int(response.head.status.code), headers: response.head.headers, body: response.body,
                        isHTTP: isHTTP, instanceId: target.instanceId))
            case .failure(let error):
                target.process?.killNow()
                target.cgroup?.killAll()
                let settle = {
                    let failure: InstanceReply.Failure =
                        (target.cgroup?.oomKills() ?? 0) > killsBefore ? .outOfMemory : .crash
                    result.succeed(Self.ended(target, by: failure, timeout: timeout, began: began))
                    self.logger.callEndedInstance(
                        failure, timeout: timeout, instanceId: target.instanceId, contract: target.contract,
                        requestId: requestId, detail: "\(error)")
                }
                // The kernel counts an OOM kill just after it sends it: a broken connection can come first.
                if target.cgroup == nil || (target.cgroup?.oomKills() ?? 0) > killsBefore {
                    settle()
                } else {
                    loop.scheduleTask(in: Self.oomCountSettle) { settle() }
                }
            }
        }
        return result.futureResult.map { reply in
            var reply = reply
            reply.duration = Date().timeIntervalSince(began)
            reply.maxMemoryMB = Self.peakMemoryMB(target)
            reply.coldStart = target.ledger.takeColdStart()
            target.ledger.callEnded(requestId, lane: true)
            if target.isCustomRuntime {
                self.log(target, InstanceReply.invokeEndLine(requestId, failed: reply.errorType != nil), requestId)
            }
            if let cold = reply.coldStart {
                self.log(target, "FC Cold Start RequestId: \(requestId) \(cold.header)", requestId)
            }
            self.release(lease, died: reply.instanceDied)
            return reply
        }
    }

    /// The request to the instance, as ``Instance/call(_:)`` builds it.
    private static func warmRequest(_ kind: InstanceCall.Kind, target: WarmTarget, requestId: String)
        -> (HTTPRequestHead, ByteBuffer, isHTTP: Bool)
    {
        switch kind {
        case .event(let payload):
            var headers = target.eventHeaders
            headers.add(name: "x-fc-request-id", value: requestId)
            headers.add(name: "host", value: "127.0.0.1:\(target.port)")
            headers.add(name: "content-type", value: "application/octet-stream")
            return (HTTPRequestHead(version: .http1_1, method: .POST, uri: "/invoke", headers: headers), payload, false)
        case .http(let http):
            var headers = target.contractHeaders
            headers.add(name: "x-fc-request-id", value: requestId)
            headers.add(name: "host", value: "127.0.0.1:\(target.port)")
            for (name, value) in http.headers
            where !Instance.hopByHop.contains(name) && !contractHeaderNames.contains(name) {
                headers.add(name: name, value: value)
            }
            headers.add(
                name: "x-fc-http-params",
                value: InstanceContract.httpParams(
                    path: http.functionPath, requestURI: http.requestURI, method: http.method, clientIP: http.clientIP,
                    host: http.host))
            let head = HTTPRequestHead(
                version: .http1_1, method: HTTPMethod(rawValue: http.method), uri: http.requestURI, headers: headers)
            return (head, http.body, true)
        }
    }

    /// Gives a lane call's slot back: to the next queued call, or the instance idles. A dead
    /// instance's bookkeeping (pool, replacements) goes through the actor.
    nonisolated func release(_ lease: WarmLease, died: Bool) {
        guard !died else {
            Task { await self.callEnded(on: lease.slot, key: lease.key, died: true) }
            return
        }
        let actions = pools.update(lease.key) { $0.pool.finished(on: lease.slot, now: Date()) } ?? []
        if !actions.isEmpty { Task { await self.perform(actions, key: lease.key, requestId: nil) } }
    }

    private nonisolated func log(_ target: WarmTarget, _ text: String, _ requestId: String) {
        target.logs.post(
            [LogLine(time: Date(), requestId: requestId, instanceId: target.instanceId, text: text)],
            service: target.contract.service.name, function: target.contract.function.name)
    }

    private static func ended(_ target: WarmTarget, by failure: InstanceReply.Failure, timeout: Int, began: Date)
        -> InstanceReply
    {
        InstanceReply.ended(
            by: failure, timeout: timeout, memoryLimitMB: target.contract.function.spec.memorySize ?? 128,
            duration: Date().timeIntervalSince(began), maxMemoryMB: peakMemoryMB(target), instanceId: target.instanceId)
    }

    private static func peakMemoryMB(_ target: WarmTarget) -> Double {
        Instance.peakMemoryMB(cgroup: target.cgroup, process: target.process)
    }

    /// How long a crash waits for the kernel's OOM-kill count before it is called a crash.
    static let oomCountSettle: TimeAmount = .milliseconds(10)

    /// The headers the contract sets; a client's own values for them are not forwarded.
    static let contractHeaderNames: Set<String> = Set(
        InstanceContract.headerNames + ["x-fc-http-params", "host"])
}
