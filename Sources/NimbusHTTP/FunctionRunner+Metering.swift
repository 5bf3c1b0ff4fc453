import Foundation
import NIOCore
import NimbusCore
import NimbusMetering
import NimbusRuntime

extension FunctionRunner {
    /// Runs a call and meters it: every outcome, throttling included, leaves an invocation record.
    func run(_ deployment: Supervisor.Deployment, _ call: InstanceCall, trigger: InvocationRecord.Trigger)
        async throws -> InstanceReply
    {
        guard let recorder else { return try await supervisor.invoke(deployment, call) }
        let contract = deployment.contract
        let service = contract.service.name
        let function = contract.function.name
        let started = Date()
        let concurrency = recorder.begin(service: service, function: function)
        let result: Result<InstanceReply, NimbusError>
        do {
            result = .success(try await supervisor.invoke(deployment, call))
        } catch {
            result = .failure(error)
        }
        recorder.end(service: service, function: function)
        switch result {
        case .success(var reply):
            let record = Self.record(deployment, call, trigger: trigger, start: started, reply: reply)
            let usage = recorder.record(
                record, concurrency: concurrency, diskMB: Double(contract.function.spec.diskSize ?? 512))
            reply.costReceipt = usage.receipt
            return reply
        case .failure(let error):
            if error.code == .resourceExhausted {
                recorder.record(
                    Self.record(deployment, call, trigger: trigger, start: started, reply: nil),
                    concurrency: concurrency)
            }
            throw error
        }
    }

    static func record(
        _ deployment: Supervisor.Deployment, _ call: InstanceCall, trigger: InvocationRecord.Trigger, start: Date,
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
