import Logging
import NimbusCore

/// Nimbus's own log line for each thing that happens to an instance: started, timed out, crashed,
/// killed for memory, exited, stopped. One shape for both call paths, so an operator can follow
/// an instance by `instance.id` and a call by `request.id`.
extension Logger {
    func instanceEvent(
        _ message: String, level: Logger.Level = .info, instanceId: String, contract: InstanceContract,
        requestId: String? = nil, _ more: Logger.Metadata = [:]
    ) {
        var metadata: Logger.Metadata = [
            "instance.id": .string(instanceId), "function.name": .string(contract.function.name),
            "service.name": .string(contract.service.name), "qualifier": .string(contract.qualifier),
        ]
        if let requestId { metadata["request.id"] = .string(requestId) }
        log(level: level, "\(message)", metadata: metadata.merging(more) { $1 })
    }

    /// A call that ended its instance: the function's timeout, an out-of-memory kill, or a crash.
    func callEndedInstance(
        _ failure: InstanceReply.Failure, timeout: Int, instanceId: String, contract: InstanceContract,
        requestId: String, detail: String
    ) {
        let message: String
        switch failure {
        case .timeout: message = "call timed out after \(timeout) s; instance killed"
        case .outOfMemory:
            message = "instance killed by the kernel: out of memory (\(contract.function.spec.memorySize ?? 128) MB)"
        case .crash: message = "instance crashed during a call"
        }
        instanceEvent(
            message, level: .warning, instanceId: instanceId, contract: contract, requestId: requestId,
            detail.isEmpty ? [:] : ["error": .string(detail)])
    }
}
