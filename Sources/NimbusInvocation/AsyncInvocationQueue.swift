import NimbusCore
import NimbusEvents

/// The durable async queue as the edge sees it: accept events, stop one. The dispatcher is the
/// implementation; the edge holds only this.
package protocol AsyncInvocationQueue: Sendable {
    /// Commits the events; they run at least once from then on.
    func accept(_ events: [AsyncEvent]) async throws(NimbusError)
    /// Stops a stateful invocation that has not finished; nil when there is no such event.
    func stop(_ key: AsyncEventKey, target: QualifiedFunction) async throws(NimbusError) -> AsyncEvent?
}

extension AsyncDispatcher: AsyncInvocationQueue {}
