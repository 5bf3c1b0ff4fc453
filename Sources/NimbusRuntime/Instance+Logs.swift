import Foundation
import Logging
import NIOHTTP1
import NimbusCore

extension Instance {
    func beginCall(_ requestId: String, wantsTail: Bool) {
        guard active[requestId] == nil else { return }
        active[requestId] = wantsTail ? LogTail() : .some(nil)
    }

    func endCall(_ requestId: String) -> String? {
        let tail = active.removeValue(forKey: requestId) ?? nil
        endWaiters.removeValue(forKey: requestId)?.resume()
        return tail?.text
    }

    /// The shims print the End line before they answer, but the pipe may deliver it a moment later.
    func waitForEndLine(_ requestId: String) async {
        guard active[requestId] != nil, !(active[requestId]??.lines.last?.hasPrefix("FC Invoke End") ?? false)
        else { return }
        // Unstructured: the bound must fire while this call is suspended below; cancelled when the line comes.
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(200))
            await self?.releaseEndWaiter(requestId)
        }
        await withCheckedContinuation { continuation in endWaiters[requestId] = continuation }
        timer.cancel()
    }

    private func releaseEndWaiter(_ requestId: String) {
        endWaiters.removeValue(forKey: requestId)?.resume()
    }

    /// One chunk of the program's output: its lines, and what the log budget dropped, if it is time to say.
    /// The drop note goes first: the lines it counts came before this batch's, and it reaches the
    /// call's tail before the call's end line.
    func take(_ batch: OutputIntake.Batch) {
        if let dropped = batch.dropped { outputDropped(lines: dropped.lines, bytes: dropped.bytes) }
        if !batch.lines.isEmpty { route(batch.lines) }
    }

    /// Nimbus's own line about lines it boundary-marks, with the call it belongs to.
    func route(_ text: String, requestId: String) { route([text], requestId: requestId) }

    /// Attributes each line to a call: the one whose request id it mentions (in flight, or one of the
    /// last to end: the pipe can deliver a line after its call answered, and the next call may be
    /// running by then), or names in an `FC ... RequestId:` marker; else the only call in flight; else
    /// the call that ended last. One post to the function's log for the whole batch.
    func route(_ texts: [String], requestId explicit: String? = nil) {
        let (lane, ended) = ledger.calls
        let now = Date()
        var lines: [LogLine] = []
        lines.reserveCapacity(texts.count)
        for text in texts {
            let requestId =
                explicit ?? active.keys.first(where: { Self.mentions(text, $0) })
                ?? lane.first(where: { Self.mentions(text, $0) }) ?? ended.last(where: { Self.mentions(text, $0) })
                ?? Self.markedRequestId(text)
                ?? (active.count + lane.count == 1 ? active.keys.first ?? lane.first : nil)
                ?? (active.isEmpty && lane.isEmpty ? ended.last : nil)
            recentOutput.append(text)
            if let requestId, active[requestId] != nil {
                active[requestId]??.append(text)
                // Its end line: checked without building a string per line.
                if text.hasPrefix(Self.endPrefix),
                    text.utf8.dropFirst(Self.endPrefix.utf8.count).starts(with: requestId.utf8)
                {
                    endWaiters.removeValue(forKey: requestId)?.resume()
                }
            }
            lines.append(LogLine(time: now, requestId: requestId, instanceId: id, text: text))
        }
        // Through the same inbox as the warm lane's boundary lines, so a function's lines keep their order.
        logs.post(lines, service: contract.service.name, function: contract.function.name)
    }

    static let endPrefix = "FC Invoke End RequestId: "

    /// The log budget dropped output: said in the function's own log, where its owner looks, and in
    /// Nimbus's, and counted.
    func outputDropped(lines: Int, bytes: Int) {
        let limit = configuration.logRateLimitMB
        let text =
            "Nimbus: \(lines) lines (\(bytes) bytes) of output dropped: this instance went over its log limit of "
            + "\(limit.formatted()) MB/s (NIMBUS_LOG_RATE_LIMIT)"
        route([text])  // attributed as a line of the program's would be: to the call in flight
        logs.countDropped(lines: lines)
        logger.instanceEvent(
            "instance output dropped", level: .warning, instanceId: id, contract: contract,
            ["lines": "\(lines)", "bytes": "\(bytes)", "limit.mb.per.second": "\(limit)"])
    }

    /// Whether a line names a request id. Every output line is checked against each call in flight and
    /// the last ones to end, so this is a plain byte scan: the standard library's generic
    /// `firstRange(of:)` took 6 us per check and Foundation's `contains` converts both to UTF-16.
    static func mentions(_ text: String, _ requestId: String) -> Bool {
        var text = text
        var requestId = requestId
        return text.withUTF8 { line in
            requestId.withUTF8 { id in
                guard let first = id.first, line.count >= id.count else { return false }
                let lastStart = line.count - id.count
                var start = 0
                while start <= lastStart {
                    guard let found = memchr(line.baseAddress! + start, Int32(first), lastStart - start + 1) else {
                        return false
                    }
                    let hit = UnsafeRawPointer(line.baseAddress!).distance(to: UnsafeRawPointer(found))
                    if memcmp(line.baseAddress! + hit, id.baseAddress!, id.count) == 0 { return true }
                    start = hit + 1
                }
                return false
            }
        }
    }

    /// The id in the runtimes' boundary lines: `FC Invoke End RequestId: <id>, Error: ...`.
    static func markedRequestId(_ text: String) -> String? {
        guard text.hasPrefix("FC "), let range = text.range(of: "RequestId: ") else { return nil }
        let id = text[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," }
        return id.isEmpty ? nil : String(id)
    }

    func processExited(_ status: Int32?) async {
        exited = true
        if state != .standby || contract.function.name != "standby" {
            let expected = state == .stopping
            logger.instanceEvent(
                expected ? "instance stopped" : "instance exited", level: expected ? .info : .warning,
                instanceId: id, contract: contract, ["status": "\(status.map(String.init) ?? "unknown")"])
        }
        if port > 0 { PortAllocator.release(port) }
        cgroup?.killAll()
        // The sandbox's last processes may still be dying: rmdir fails until the cgroup is empty.
        if let cgroup, !(await cgroup.removeWhenEmpty()) {
            logger.instanceEvent(
                "instance cgroup not removed: processes still in it", level: .warning, instanceId: id,
                contract: contract, [:])
        }
        slot?.release()
        namespace?.release()
        network = nil
        for waiter in endWaiters.values { waiter.resume() }
        endWaiters = [:]
        await onExit(id)
    }

    /// Graceful stop: the preStop hook (if configured), then SIGTERM and the grace period.
    func stop(reason: String) async {
        state = .stopping
        logger.instanceEvent("instance stopping", instanceId: id, contract: contract, ["reason": .string(reason)])
        if !exited, let hook = contract.function.spec.instanceLifecycleConfig?.preStop {
            await runHook(hook, path: "/pre-stop")
        }
        process?.terminate()
        await process?.waitForExit()
    }

    /// FC's lifecycle hooks (`GET /pre-freeze`, `GET /pre-stop`) with their own request id and timeout.
    func runHook(_ hook: InstanceLifecycleConfig.Hook, path: String) async {
        guard let name = hook.handler, !name.isEmpty else { return }
        let requestId = RequestID.make()
        let head = InstanceRequest.control(
            .GET, path, contractHeaders: InstanceRequest.headers(contract, requestId: requestId, controlPath: path),
            port: port)
        _ = await exchange(head, requestId: requestId, timeout: hook.timeout ?? 3, wantsTail: false, isHTTP: false)
    }

    func killNow() async {
        stopProcessTree()
        await process?.waitForExit()
    }

    /// Kills the program's process group and anything else in its cgroup, at once.
    func stopProcessTree() {
        process?.killNow()
        cgroup?.killAll()
    }

    /// Peak memory in MB: the cgroup's when sandboxed (the whole tree), else the program's VmHWM.
    func peakMemoryMB() -> Double { Self.peakMemoryMB(cgroup: cgroup, process: process) }

    static func peakMemoryMB(cgroup: InstanceCgroup?, process: InstanceProcess?) -> Double {
        if let bytes = cgroup?.peakMemoryBytes() { return Double(bytes) / 1_048_576 }
        return process?.peakMemoryMB() ?? 0
    }

}

/// Why an instance could not start: a platform problem (no bootstrap, exited early, never listened),
/// or the function's initializer failing, which FC reports as the call's function error.
enum InstanceStartFailure: Error, Sendable {
    case platform(NimbusError)
    case initializer(InstanceReply)
}
