import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

extension Instance {
    /// Largest reply body accepted from an instance.
    static let maximumReplyBytes = 64 << 20

    /// Runs one HTTP exchange with the program under the function's timeout.
    func exchange(_ request: HTTPClientRequest, requestId: String, timeout: Int, wantsTail: Bool, isHTTP: Bool)
        async -> InstanceReply
    {
        let began = Date()
        beginCall(requestId, wantsTail: wantsTail)
        let oomKillsBefore = cgroup?.oomKills() ?? 0
        if active.count == 1 { cgroup?.resetPeak() }
        let outcome = await Self.send(request, with: http, timeout: timeout)
        let duration = Date().timeIntervalSince(began)
        let memory = peakMemoryMB()
        var reply: InstanceReply
        switch outcome {
        case .reply(let response, let body):
            reply = Self.reply(from: response, body: body, isHTTP: isHTTP, instanceId: id)
        case .timedOut:
            stopProcessTree()
            reply = failure(InvocationMessages.timedOut(after: timeout, maxMemoryMB: memory))
            reply.instanceDied = true
        case .failed:
            let outOfMemory = (cgroup?.oomKills() ?? 0) > oomKillsBefore
            stopProcessTree()
            let limit = contract.function.spec.memorySize ?? 128
            reply = failure(
                outOfMemory
                    ? InvocationMessages.outOfMemory(limitMB: limit, maxMemoryMB: memory)
                    : InvocationMessages.exitedUnexpectedly(durationMs: Int(duration * 1000), maxMemoryMB: memory))
            reply.instanceDied = true
        }
        reply.duration = duration
        reply.maxMemoryMB = memory
        let failed = reply.errorType != nil
        if isCustomRuntime {
            await route(
                "FC Invoke End RequestId: \(requestId)" + (failed ? ", Error: Unhandled function error" : ""),
                requestId: requestId)
        } else if wantsTail, case .reply = outcome {
            await waitForEndLine(requestId)
        }
        reply.logTail = endCall(requestId)
        return reply
    }

    private func failure(_ message: String) -> InstanceReply {
        InstanceReply(
            status: 200, headers: [("content-type", "application/json")],
            body: ByteBuffer(bytes: InvocationMessages.errorBody(message)), errorType: "UnhandledInvocationError",
            instanceId: id, duration: 0, maxMemoryMB: 0)
    }

    enum Outcome: Sendable {
        case reply(HTTPClientResponse, ByteBuffer)
        case timedOut
        case failed(String)
    }

    static func send(_ request: HTTPClientRequest, with http: HTTPClient, timeout: Int) async -> Outcome {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    let response = try await http.execute(request, timeout: .seconds(Int64(timeout) + 5))
                    let body = try await response.body.collect(upTo: maximumReplyBytes)
                    return .reply(response, body)
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failed(String(describing: error))
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeout))
                return Task.isCancelled ? nil : .timedOut
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .timedOut
        }
    }

    /// FC's reading of a program's answer: 200 is success; 404 or `x-fc-status: 404` is a function error.
    static func reply(from response: HTTPClientResponse, body: ByteBuffer, isHTTP: Bool, instanceId: String)
        -> InstanceReply
    {
        let failed = response.headers.first(name: "x-fc-status") == "404" || (!isHTTP && response.status.code != 200)
        let errorType = failed ? (response.headers.first(name: "x-fc-error-type") ?? "UnhandledInvocationError") : nil
        let headers = response.headers.filter { name, _ in
            let lower = name.lowercased()
            return !lower.hasPrefix("x-fc-") && !hopByHop.contains(lower) && lower != "date" && lower != "server"
        }.map { ($0.name, $0.value) }
        return InstanceReply(
            status: Int(response.status.code), headers: headers, body: body, errorType: errorType,
            instanceId: instanceId, duration: 0, maxMemoryMB: 0)
    }
}
