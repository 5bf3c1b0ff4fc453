import Foundation
import NimbusCore
import NimbusRuntime
import Synchronization

/// Resolves `{service}.{qualifier}/{function}` to something the supervisor can run.
///
/// Resolutions are cached until the next write to the store (see ``ChangeCounter``), so a warm call
/// costs no database read.
package struct FunctionRunner: Sendable {
    let control: ControlPlane
    let supervisor: Supervisor
    let codeDirectory: @Sendable (CodeInfo) -> URL
    let changes: ChangeCounter
    let cache = ResolutionCache()

    package init(
        control: ControlPlane, supervisor: Supervisor, changes: ChangeCounter,
        codeDirectory: @escaping @Sendable (CodeInfo) -> URL
    ) {
        self.control = control
        self.supervisor = supervisor
        self.changes = changes
        self.codeDirectory = codeDirectory
    }

    /// What a call needs: the deployment, and the function's HTTP trigger if it has one.
    struct Resolution: Sendable {
        var deployment: Supervisor.Deployment
        var httpTrigger: TriggerRecord?
    }

    func resolve(service: String, qualifier: String, function: String) async throws -> Resolution {
        let key = "\(service)\u{0}\(qualifier)\u{0}\(function)"
        let generation = changes.current
        if let cached = cache.get(key, generation: generation) { return cached }
        let serviceRecord = try await control.service(service)
        try ManagementAPI.requireLatest(qualifier, service: service)
        let functionRecord = try await control.function(function, service: service)
        let contract = InstanceContract(
            service: serviceRecord, function: functionRecord, qualifier: "LATEST", versionId: "LATEST",
            region: control.region, accountId: control.credentials.accountId)
        let triggers = try await control.listTriggers(service: service, function: function, PageQuery(limit: 100))
        let onDemand = try await control.store.config(
            .onDemand, for: QualifiedFunction(serviceName: service, qualifier: "LATEST", functionName: function))
        let maximum: Int? =
            if case .number(let value)? = onDemand?.fields["maximumInstanceCount"] { Int(value) } else { nil }
        let resolution = Resolution(
            deployment: Supervisor.Deployment(
                contract: contract, codeDirectory: codeDirectory(functionRecord.code), maximumInstances: maximum),
            httpTrigger: triggers.items.first { $0.spec.triggerType == "http" })
        cache.set(key, resolution, generation: generation)
        return resolution
    }

    /// The deployment a call runs: LATEST until versions and aliases exist.
    func deployment(service: String, qualifier: String, function: String) async throws -> Supervisor.Deployment {
        try await resolve(service: service, qualifier: qualifier, function: function).deployment
    }

    /// Provisioned targets of LATEST (aliases arrive with versions), as the supervisor keeps them.
    package func provisionTargets() async -> [(Supervisor.Deployment, Int)] {
        var targets: [(Supervisor.Deployment, Int)] = []
        var page = PageQuery(limit: 100)
        for _ in 0..<100 {
            guard let configs = try? await control.listConfigs(.provision, filter: FunctionConfigFilter(), page)
            else { break }
            for config in configs.items where config.qualifier == "LATEST" {
                guard case .number(let target)? = config.fields["target"], target > 0,
                    let resolved = try? await resolve(
                        service: config.serviceName, qualifier: config.qualifier, function: config.functionName)
                else { continue }
                targets.append((resolved.deployment, Int(target)))
            }
            guard let next = configs.nextToken else { break }
            page.nextToken = next
        }
        return targets
    }

    func run(_ deployment: Supervisor.Deployment, _ call: InstanceCall) async throws -> InstanceReply {
        try await supervisor.invoke(deployment, call)
    }
}

/// Resolutions tagged with the store generation they were read at; a newer generation empties it.
final class ResolutionCache: Sendable {
    private let state = Mutex<(generation: UInt64, entries: [String: FunctionRunner.Resolution])>((0, [:]))

    func get(_ key: String, generation: UInt64) -> FunctionRunner.Resolution? {
        state.withLock { $0.generation == generation ? $0.entries[key] : nil }
    }

    func set(_ key: String, _ resolution: FunctionRunner.Resolution, generation: UInt64) {
        state.withLock { state in
            if state.generation != generation {
                state = (generation, [:])
            }
            if state.entries.count > 10_000 { state.entries.removeAll() }
            state.entries[key] = resolution
        }
    }
}
