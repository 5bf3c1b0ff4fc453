/// What the async dispatcher needs from the rest of Nimbus: a function's async policy, and one attempt of an event.
package protocol AsyncEventRunner: Sendable {
    func policy(for target: QualifiedFunction) async -> AsyncInvokePolicy
    /// Runs the event once on an instance of its target; never throws: every failure is an outcome.
    func attempt(_ event: AsyncEvent) async -> AttemptOutcome
}
