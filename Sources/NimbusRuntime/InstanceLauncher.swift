import Foundation
import NimbusCore

/// An instance as the ``Supervisor`` sees it: something that serves calls until it is stopped.
/// ``Instance`` in production; a fake in the supervisor's tests.
protocol RunningInstance: Actor {
    func call(_ call: InstanceCall) async -> InstanceReply
    /// Stops it gracefully; returns once it is gone.
    func stop(reason: String) async
    var summary: InstanceSummary { get async }
    /// The lane's handle on it when ready; nil when its calls must go through the supervisor.
    func warmTarget() async -> WarmTarget?
}

/// What a start needs: the deployment, names for the record, and where to report.
struct InstanceLaunch: Sendable {
    var deployment: Deployment
    var instanceId: String
    var requestId: String
    /// Why the instance is needed (the cold-start record's reason).
    var reason: String
    /// Told as soon as the instance exists, before it is ready (so a shutdown can stop it).
    var registered: @Sendable (any RunningInstance) async -> Void
    /// Told when the instance's process ends, however it ends.
    var onExit: @Sendable (String) async -> Void
}

/// How instances come to be: the seam between deciding (pools, queues, deadlines, in the
/// ``Supervisor``) and processes (``ProcessLauncher``).
protocol InstanceLauncher: Sendable {
    /// Starts an instance, ready for calls, or throws why it could not.
    func start(_ launch: InstanceLaunch) async throws(InstanceStartFailure) -> any RunningInstance
    /// Prepares what starts use (standby instances); called once, when the supervisor runs.
    func prepare() async
    /// No start goes on after this; starts waiting their turn go at once (and fail).
    func beginShutdown() async
    /// After every instance stopped: removes what starts in flight left behind.
    func endShutdown() async
}
