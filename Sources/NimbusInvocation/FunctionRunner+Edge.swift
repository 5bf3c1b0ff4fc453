import Foundation
import NIOCore
import NimbusCore
import NimbusRuntime

extension FunctionRunner {
    /// Runs a call on a warm instance, on the event loop it came in on, and meters it; nil (nothing
    /// claimed, nothing sent) when no ready instance has a free slot. The warm lane's one step.
    ///
    /// `call` builds the request only once a slot is claimed: a call that goes to the router instead
    /// copies no headers here.
    package func runWarm(
        _ deployment: Deployment, requestId: String, trigger: InvocationRecord.Trigger, on loop: any EventLoop,
        call: () -> InstanceCall.Kind
    ) -> EventLoopFuture<InstanceReply>? {
        guard let lease = supervisor.claimWarm(deployment) else { return nil }
        let kind = call()
        let meter = beginMetering(deployment)
        let call = InstanceCall(requestId: requestId, kind: kind, wantsLogTail: false)
        let sent = fc3Translated(deployment, call)
        return supervisor.runWarm(lease, requestId: requestId, kind: sent.kind, on: loop).map { reply in
            var reply = fc3Answer(deployment, call, reply)
            endMetering(meter, deployment, call, trigger: trigger, reply: &reply)
            return reply
        }
    }

    /// A function's log lines, oldest first, `since` a time and at most `limit` of them.
    package func logs(service: String, function: String, since: Date?, limit: Int) async -> [LogLine] {
        await supervisor.logs.read(service: service, function: function, since: since, limit: limit)
    }

    /// The function's live instances.
    package func instances(service: String, function: String) async -> [InstanceSummary] {
        await supervisor.instances(service: service, function: function)
    }
}
