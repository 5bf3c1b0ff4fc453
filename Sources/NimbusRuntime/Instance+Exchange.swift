import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NimbusCore
import Synchronization

extension Instance {
    /// Largest reply body accepted from an instance.
    static let maximumReplyBytes = 64 << 20

    /// Runs one HTTP exchange with the program under the function's timeout.
    func exchange(_ request: HTTPClientRequest, requestId: String, timeout: Int, wantsTail: Bool, isHTTP: Bool)
        async -> InstanceReply
    {
        let began = Date()
        beginCall(requestId, wantsTail: wantsTail)
        if active.count == 1, ledger.calls.lane.isEmpty { cgroup?.resetPeak() }
        // A kill during this call is its out-of-memory; one before it (a child an earlier call survived) is not.
        let killsBefore = cgroup?.oomKills() ?? 0
        let outcome = await Self.send(request, with: http, timeout: timeout, process: process)
        let duration = Date().timeIntervalSince(began)
        let memory = peakMemoryMB()
        var reply: InstanceReply
        switch outcome {
        case .reply(let response, let body):
            reply = Self.reply(
                status: Int(response.status.code), headers: response.headers, body: body, isHTTP: isHTTP,
                instanceId: id)
        case .timedOut:
            stopProcessTree()
            reply = ended(by: .timeout, timeout: timeout, duration: duration, memory: memory)
            logger.callEndedInstance(
                .timeout, timeout: timeout, instanceId: id, contract: contract, requestId: requestId, detail: "")
        case .failed(let detail):
            stopProcessTree()
            var outOfMemory = (cgroup?.oomKills() ?? 0) > killsBefore
            // The kernel counts an OOM kill just after it sends it: a broken connection can come first.
            if !outOfMemory, cgroup != nil {
                do {
                    try await Task.sleep(for: .milliseconds(10))
                } catch {}  // cancelled: the count as it is now
                outOfMemory = (cgroup?.oomKills() ?? 0) > killsBefore
            }
            let failure: InstanceReply.Failure = outOfMemory ? .outOfMemory : .crash
            reply = ended(by: failure, timeout: timeout, duration: duration, memory: memory)
            logger.callEndedInstance(
                failure, timeout: timeout, instanceId: id, contract: contract, requestId: requestId, detail: detail)
        }
        reply.duration = duration
        reply.maxMemoryMB = memory
        let failed = reply.errorType != nil
        if isCustomRuntime {
            await route(InstanceReply.invokeEndLine(requestId, failed: failed), requestId: requestId)
        } else if wantsTail, case .reply = outcome {
            await waitForEndLine(requestId)
        }
        reply.logTail = endCall(requestId)
        return reply
    }

    private func ended(by failure: InstanceReply.Failure, timeout: Int, duration: TimeInterval, memory: Double)
        -> InstanceReply
    {
        InstanceReply.ended(
            by: failure, timeout: timeout, memoryLimitMB: contract.function.spec.memorySize ?? 128, duration: duration,
            maxMemoryMB: memory, instanceId: id)
    }

    enum Outcome: Sendable {
        case reply(HTTPClientResponse, ByteBuffer)
        case timedOut
        case failed(String)
    }

    /// One exchange under the function's timeout. The deadline is a timer on an event loop, not a
    /// racing task: when it fires it kills the instance, which ends any exchange still running
    /// (including a reply body that stalls after its head).
    static func send(_ request: HTTPClientRequest, with http: HTTPClient, timeout: Int, process: InstanceProcess?)
        async -> Outcome
    {
        let timedOut = Mutex(false)
        let killer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .seconds(Int64(timeout))) {
            timedOut.withLock { $0 = true }
            process?.killNow()
        }
        defer { killer.cancel() }
        do {
            let response = try await http.execute(request, deadline: .now() + .seconds(Int64(timeout)))
            let body = try await response.body.collect(upTo: maximumReplyBytes)
            if timedOut.withLock({ $0 }) { return .timedOut }
            return .reply(response, body)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .timedOut
        } catch {
            return timedOut.withLock { $0 } ? .timedOut : .failed(String(describing: error))
        }
    }

    /// FC's reading of a program's answer: 200 is success; 404 or `x-fc-status: 404` is a function error.
    static func reply(status: Int, headers: HTTPHeaders, body: ByteBuffer, isHTTP: Bool, instanceId: String)
        -> InstanceReply
    {
        let failed = headers.first(name: "x-fc-status") == "404" || (!isHTTP && status != 200)
        let errorType = failed ? (headers.first(name: "x-fc-error-type") ?? "UnhandledInvocationError") : nil
        let kept = headers.filter { name, _ in
            let lower = name.lowercased()
            return !lower.hasPrefix("x-fc-") && !hopByHop.contains(lower) && lower != "date" && lower != "server"
        }.map { ($0.name, $0.value) }
        return InstanceReply(
            status: status, headers: kept, body: body, errorType: errorType, instanceId: instanceId, duration: 0,
            maxMemoryMB: 0)
    }
}
