import Foundation

/// What one invocation did, as metering keeps it (sync, async, HTTP trigger or timer).
package struct InvocationRecord: Sendable, Equatable {
    package enum Trigger: String, Sendable, CaseIterable {
        case sync, async, http, timer
    }

    package enum Outcome: String, Sendable, CaseIterable {
        case success
        case handledError = "handled-error"
        case unhandledError = "unhandled-error"
        case timeout
        case outOfMemory = "oom"
        case throttled

        package var isError: Bool { self != .success }
    }

    package var requestId: String
    package var service: String
    package var function: String
    package var qualifier: String
    package var versionId: String
    package var trigger: Trigger
    package var start: Date
    package var duration: TimeInterval
    package var memoryLimitMB: Int
    package var memoryUsedMB: Double
    /// The instance's vCPU share while it served the call.
    package var vcpu: Double
    /// Time the instance took to start, when this call started it; nil for a warm call.
    package var coldStart: TimeInterval?
    package var instanceId: String
    package var outcome: Outcome
    /// The status an HTTP trigger answered with.
    package var httpStatus: Int?
    package var requestBytes: Int
    package var responseBytes: Int

    package init(
        requestId: String, service: String, function: String, qualifier: String, versionId: String,
        trigger: Trigger, start: Date, duration: TimeInterval, memoryLimitMB: Int, memoryUsedMB: Double,
        vcpu: Double, coldStart: TimeInterval?, instanceId: String, outcome: Outcome, httpStatus: Int?,
        requestBytes: Int, responseBytes: Int
    ) {
        self.requestId = requestId
        self.service = service
        self.function = function
        self.qualifier = qualifier
        self.versionId = versionId
        self.trigger = trigger
        self.start = start
        self.duration = duration
        self.memoryLimitMB = memoryLimitMB
        self.memoryUsedMB = memoryUsedMB
        self.vcpu = vcpu
        self.coldStart = coldStart
        self.instanceId = instanceId
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
    }

    /// The function's vCPU share: `cpu` when set, else one vCPU per GB of memory (FC 2.0's elastic ratio).
    package static func vcpu(memoryMB: Int, cpu: Double?) -> Double {
        cpu ?? Double(memoryMB) / 1024
    }
}
