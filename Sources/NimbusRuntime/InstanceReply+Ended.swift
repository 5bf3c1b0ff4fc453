import Foundation
import NIOCore
import NimbusCore

extension InstanceReply {
    /// FC's shape for a call the platform ended (timeout, crash, out of memory).
    static func platformFailure(_ message: String, instanceId: String) -> InstanceReply {
        InstanceReply(
            status: 200, headers: [("content-type", "application/json")],
            body: ByteBuffer(bytes: InvocationMessages.errorBody(message)), errorType: "UnhandledInvocationError",
            instanceId: instanceId, duration: 0, maxMemoryMB: 0)
    }

    /// A call the platform ended by killing its instance, in FC's words: the same for the actor's
    /// exchange and the warm lane's.
    static func ended(
        by failure: Failure, timeout: Int, memoryLimitMB: Int, duration: TimeInterval, maxMemoryMB: Double,
        instanceId: String
    ) -> InstanceReply {
        let message =
            switch failure {
            case .timeout: InvocationMessages.timedOut(after: timeout, maxMemoryMB: maxMemoryMB)
            case .outOfMemory: InvocationMessages.outOfMemory(limitMB: memoryLimitMB, maxMemoryMB: maxMemoryMB)
            case .crash:
                InvocationMessages.exitedUnexpectedly(durationMs: Int(duration * 1000), maxMemoryMB: maxMemoryMB)
            }
        var reply = platformFailure(message, instanceId: instanceId)
        reply.failure = failure
        reply.instanceDied = true
        return reply
    }

    /// The boundary lines Nimbus writes to a custom runtime's log around each call (the shims write their own).
    static func invokeStartLine(_ requestId: String) -> String { "FC Invoke Start RequestId: \(requestId)" }

    static func invokeEndLine(_ requestId: String, failed: Bool) -> String {
        "FC Invoke End RequestId: \(requestId)" + (failed ? ", Error: Unhandled function error" : "")
    }
}
