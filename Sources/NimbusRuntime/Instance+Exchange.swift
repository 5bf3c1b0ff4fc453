import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

extension Instance {
    /// Runs one exchange with the program under `timeout` seconds, through the one instance client.
    func exchange(
        _ head: HTTPRequestHead, body: ByteBuffer = ByteBuffer(), requestId: String, timeout: Int, wantsTail: Bool,
        isHTTP: Bool
    ) async -> InstanceReply {
        let began = Date()
        beginCall(requestId, wantsTail: wantsTail)
        if active.count == 1, ledger.calls.lane.isEmpty { cgroup?.resetPeak() }
        let outcome = await send(head, body: body, requestId: requestId, timeout: timeout, killing: true)
        let duration = Date().timeIntervalSince(began)
        let memory = peakMemoryMB()
        var reply: InstanceReply
        var answered = false
        switch outcome {
        case .reply(let response, let body):
            answered = true
            reply = Self.reply(
                status: Int(response.status.code), headers: response.headers, body: body, isHTTP: isHTTP,
                instanceId: id)
        case .ended(let failure, _):
            reply = InstanceReply.ended(
                by: failure, timeout: timeout, memoryLimitMB: contract.function.spec.memorySize ?? 128,
                duration: duration, maxMemoryMB: memory, instanceId: id)
        }
        reply.duration = duration
        reply.maxMemoryMB = memory
        let failed = reply.errorType != nil
        if isCustomRuntime {
            route(InstanceReply.invokeEndLine(requestId, failed: failed), requestId: requestId)
        } else if wantsTail, answered {
            await waitForEndLine(requestId)
        }
        reply.logTail = endCall(requestId)
        return reply
    }

    /// One exchange on this instance's event loop, where its pooled connections wait. `killing`:
    /// a timeout or a broken exchange ends the instance (a probe's does not).
    func send(_ head: HTTPRequestHead, body: ByteBuffer, requestId: String, timeout: Int, killing: Bool) async
        -> InstanceClient.Outcome
    {
        let exchange = InstanceClient.Exchange(
            instanceId: id, port: port, network: network, head: head, body: body, timeout: timeout,
            process: killing ? process : nil, cgroup: killing ? cgroup : nil, contract: contract,
            requestId: requestId)
        do {
            return try await client.exchange(exchange, on: loop).get()
        } catch {
            // The client's future only fails if its loop is gone (Nimbus is shutting down).
            return .ended(.crash, detail: "\(error)")
        }
    }

    /// FC's reading of a program's answer: 200 is success; 404 or `x-fc-status: 404` is a function error.
    static func reply(status: Int, headers: HTTPHeaders, body: ByteBuffer, isHTTP: Bool, instanceId: String)
        -> InstanceReply
    {
        let failed = headers.first(name: "x-fc-status") == "404" || (!isHTTP && status != 200)
        let errorType = failed ? (headers.first(name: "x-fc-error-type") ?? "UnhandledInvocationError") : nil
        // An HTTP answer with no body keeps its Content-Length: a HEAD answer's says what GET would send.
        let keepsLength = isHTTP && body.readableBytes == 0
        let kept = headers.filter { name, _ in
            let lower = name.lowercased()
            if lower == "content-length" { return keepsLength }
            return !lower.hasPrefix("x-fc-") && !InstanceRequest.hopByHop.contains(lower) && lower != "date"
                && lower != "server"
        }.map { ($0.name, $0.value) }
        return InstanceReply(
            status: status, headers: kept, body: body, errorType: errorType, instanceId: instanceId, duration: 0,
            maxMemoryMB: 0)
    }
}
