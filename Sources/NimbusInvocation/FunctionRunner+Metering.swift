import Foundation
import NIOCore
import NimbusCore
import NimbusMetering
import NimbusRuntime

extension FunctionRunner {
    /// Runs a call and meters it: every outcome, throttling included, leaves an invocation record.
    package func run(_ deployment: Deployment, _ call: InstanceCall, trigger: InvocationRecord.Trigger)
        async throws -> InstanceReply
    {
        let sent = fc3Translated(deployment, call)
        guard let meter = beginMetering(deployment) else {
            return fc3Answer(deployment, call, try await supervisor.invoke(deployment, sent))
        }
        do {
            var reply = fc3Answer(deployment, call, try await supervisor.invoke(deployment, sent))
            endMetering(meter, deployment, call, trigger: trigger, reply: &reply)
            return reply
        } catch {
            endMetering(meter, deployment, call, trigger: trigger, throttled: error.code == .resourceExhausted)
            throw error
        }
    }

    /// An FC 3.0 HTTP-trigger call to a built-in runtime, as the event its handler takes, and to a custom
    /// runtime, with the URI its own URL would carry (``FC3HTTPEvent``).
    func fc3Translated(_ deployment: Deployment, _ call: InstanceCall) -> InstanceCall {
        if FC3HTTPEvent.rewritesPath(for: deployment.contract, call.kind), case .http(let http) = call.kind {
            var sent = call
            sent.kind = .http(FC3HTTPEvent.functionRequest(http))
            return sent
        }
        guard FC3HTTPEvent.applies(to: deployment.contract, call.kind), case .http(let http) = call.kind else {
            return call
        }
        var sent = call
        sent.kind = .event(
            FC3HTTPEvent.event(
                http, requestId: call.requestId, accountId: deployment.contract.accountId, now: Date()))
        return sent
    }

    /// The handler's answer to a translated call, as the HTTP response.
    func fc3Answer(_ deployment: Deployment, _ call: InstanceCall, _ reply: InstanceReply) -> InstanceReply {
        FC3HTTPEvent.applies(to: deployment.contract, call.kind) ? FC3HTTPEvent.response(reply) : reply
    }

    /// A call being metered: when it started, and how many calls of its function ran with it.
    struct Meter: Sendable {
        var started: Date
        var concurrency: Int
    }

    /// Starts metering a call; nil when metering is off.
    func beginMetering(_ deployment: Deployment) -> Meter? {
        guard let recorder else { return nil }
        let contract = deployment.contract
        return Meter(
            started: Date(),
            concurrency: recorder.begin(service: contract.service.name, function: contract.function.name))
    }

    /// Records a call that ran, and puts its cost receipt on the reply.
    func endMetering(
        _ meter: Meter?, _ deployment: Deployment, _ call: InstanceCall, trigger: InvocationRecord.Trigger,
        reply: inout InstanceReply
    ) {
        guard let meter, let recorder else { return }
        let spec = deployment.contract.function.spec
        recorder.end(service: deployment.contract.service.name, function: deployment.contract.function.name)
        let record = Self.record(deployment, call, trigger: trigger, start: meter.started, reply: reply)
        reply.costReceipt =
            recorder.record(record, concurrency: meter.concurrency, diskMB: Double(spec.diskSize ?? 512)).receipt
    }

    /// Ends metering a call that did not run; only throttled calls leave a record.
    func endMetering(
        _ meter: Meter?, _ deployment: Deployment, _ call: InstanceCall, trigger: InvocationRecord.Trigger,
        throttled: Bool
    ) {
        guard let meter, let recorder else { return }
        recorder.end(service: deployment.contract.service.name, function: deployment.contract.function.name)
        guard throttled else { return }
        recorder.record(
            Self.record(deployment, call, trigger: trigger, start: meter.started, reply: nil),
            concurrency: meter.concurrency)
    }

    static func record(
        _ deployment: Deployment, _ call: InstanceCall, trigger: InvocationRecord.Trigger, start: Date,
        reply: InstanceReply?
    ) -> InvocationRecord {
        let spec = deployment.contract.function.spec
        let memory = spec.memorySize ?? 128
        var requestBytes = 0
        var httpStatus: Int?
        switch call.kind {
        case .event(let payload): requestBytes = payload.readableBytes
        case .http(let http):
            requestBytes = http.body.readableBytes
            httpStatus = reply.map { $0.errorType == nil ? $0.status : 502 }
        }
        return InvocationRecord(
            requestId: call.requestId, service: deployment.contract.service.name,
            function: deployment.contract.function.name, qualifier: deployment.contract.qualifier,
            versionId: deployment.contract.versionId, trigger: trigger, start: start,
            duration: reply?.duration ?? Date().timeIntervalSince(start), memoryLimitMB: memory,
            memoryUsedMB: reply?.maxMemoryMB ?? 0, vcpu: InvocationRecord.vcpu(memoryMB: memory, cpu: spec.cpu),
            coldStart: reply?.coldStart.map { $0.start + $0.initializer }, instanceId: reply?.instanceId ?? "",
            outcome: outcome(reply), httpStatus: httpStatus, requestBytes: requestBytes,
            responseBytes: reply?.body.readableBytes ?? 0)
    }

    static func outcome(_ reply: InstanceReply?) -> InvocationRecord.Outcome {
        guard let reply else { return .throttled }
        switch (reply.failure, reply.errorType) {
        case (.timeout?, _): return .timeout
        case (.outOfMemory?, _): return .outOfMemory
        case (_, nil): return .success
        case (_, "HandledInvocationError"?): return .handledError
        default: return .unhandledError
        }
    }
}
