import NIOCore
import NimbusCore
import NimbusRuntime

extension FunctionRunner: AsyncEventRunner {
    /// Result payloads kept with an event (FC keeps 1 MB of `returnPayload`).
    static let keptResultBytes = 1 << 20

    /// Read on every async enqueue and every attempt: cached until the next metadata write, like resolutions.
    package func policy(for target: QualifiedFunction) async -> AsyncInvokePolicy {
        let key = "\(target.serviceName)\u{0}\(target.qualifier)\u{0}\(target.functionName)"
        let generation = changes.current
        if let cached = policies.get(key, generation: generation) { return cached }
        let policy = AsyncInvokePolicy(config: try? await control.store.config(.asyncInvoke, for: target))
        policies.set(key, policy, generation: generation)
        return policy
    }

    package func attempt(_ event: AsyncEvent) async -> AttemptOutcome {
        let target = event.target
        do {
            let deployment = try await deployment(
                service: target.serviceName, qualifier: target.qualifier, function: target.functionName)
            let call = InstanceCall(
                requestId: event.requestId, kind: .event(ByteBuffer(bytes: event.payload)), wantsLogTail: false,
                retryCount: event.retriedTimes)
            let reply = try await run(deployment, call, trigger: event.source == .timer ? .timer : .async)
            let body = Array(reply.body.readableBytesView.prefix(Self.keptResultBytes))
            let durationMs = Int((reply.duration * 1000).rounded())
            guard let errorType = reply.errorType else {
                return .succeeded(result: body, instanceId: reply.instanceId, durationMs: durationMs)
            }
            return .functionFailed(
                errorType: errorType, message: String(decoding: body.prefix(4096), as: UTF8.self), result: body,
                instanceId: reply.instanceId, durationMs: durationMs)
        } catch let error as NimbusError {
            switch error.code {
            case .resourceExhausted: return .throttled(error.message)
            case .serviceNotFound, .functionNotFound, .aliasNotFound, .versionNotFound, .invalidArgument:
                return .rejected(error.message)
            default:
                return .functionFailed(
                    errorType: "UnhandledInvocationError", message: error.description, result: [], instanceId: "",
                    durationMs: 0)
            }
        } catch {
            return .functionFailed(
                errorType: "UnhandledInvocationError", message: "\(error)", result: [], instanceId: "", durationMs: 0)
        }
    }
}
