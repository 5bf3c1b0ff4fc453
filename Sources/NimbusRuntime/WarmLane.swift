import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

/// What the warm lane needs to call a ready instance without its actor.
package struct WarmTarget: Sendable {
    let instanceId: String
    let port: Int
    let network: InstanceNetwork?
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
            instanceId: id, port: port, network: network, contract: contract,
            contractHeaders: contractHeaders("/http-invoke"),
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
                _ = entry.pool.finished(on: slot, now: clock.now)  // nothing is queued: no actions
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
        var headers = kind.isHTTP ? target.contractHeaders : target.eventHeaders
        headers.add(name: "x-fc-request-id", value: requestId)
        let request = InstanceRequest.call(kind, contractHeaders: headers, port: target.port)

        // The peak is per call where the cgroup can reset it (v1), as on the actor's path.
        if target.ledger.laneCallBegan(requestId) == 1 { target.cgroup?.resetPeak() }
        if target.isCustomRuntime { log(target, InstanceReply.invokeStartLine(requestId), requestId) }
        let began = Date()
        let exchange = InstanceClient.Exchange(
            instanceId: target.instanceId, port: target.port, network: target.network, head: request.head,
            body: request.body,
            timeout: timeout, process: target.process, cgroup: target.cgroup, contract: target.contract,
            requestId: requestId)
        return client.exchange(exchange, on: loop).map { outcome in
            var reply: InstanceReply
            switch outcome {
            case .reply(let head, let body):
                reply = Instance.reply(
                    status: Int(head.status.code), headers: head.headers, body: body, isHTTP: request.isHTTP,
                    instanceId: target.instanceId)
            case .ended(let failure, _):
                reply = InstanceReply.ended(
                    by: failure, timeout: timeout, memoryLimitMB: target.contract.function.spec.memorySize ?? 128,
                    duration: 0, maxMemoryMB: 0, instanceId: target.instanceId)
            }
            reply.duration = Date().timeIntervalSince(began)
            reply.maxMemoryMB = Instance.peakMemoryMB(cgroup: target.cgroup, process: target.process)
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

    /// Gives a lane call's slot back: to the next queued call, or the instance idles. A dead
    /// instance's bookkeeping (pool, replacements) goes through the actor.
    nonisolated func release(_ lease: WarmLease, died: Bool) {
        guard !died else {
            // From an event loop, which must not wait for the actor.
            Task { await self.callEnded(on: lease.slot, key: lease.key, died: true) }
            return
        }
        // The decision joins the pools' queue, carried out in order by the actor; an event loop must
        // not wait for it, so the actor is reached from a task when this decision is the first there.
        if pools.decide(lease.key, { $0.pool.finished(on: lease.slot, now: clock.now) }) == true {
            Task { await self.carryOutDecisions() }
        }
    }

    private nonisolated func log(_ target: WarmTarget, _ text: String, _ requestId: String) {
        target.logs.post(
            [LogLine(time: Date(), requestId: requestId, instanceId: target.instanceId, text: text)],
            service: target.contract.service.name, function: target.contract.function.name)
    }
}
