import Foundation
import NimbusCore
import NimbusMetering
import NimbusRuntime

/// Resolves `{service}.{qualifier}/{function}` to something the supervisor can run: LATEST's live records, a
/// version's snapshot, or, for an alias, the version its weights pick for this call.
///
/// Resolutions are cached until the next write to the store (see ``ChangeCounter``), so a warm call
/// costs no database read.
package struct FunctionRunner: Sendable {
    package let control: ControlPlane
    let supervisor: Supervisor
    let codeDirectory: @Sendable (CodeInfo) -> URL
    package let changes: ChangeCounter
    /// Meters every call; nil in tests that run functions without metering.
    let recorder: InvocationRecorder?
    let cache = GenerationCache<Resolution>()
    let aliases = GenerationCache<AliasSpec>()
    let policies = GenerationCache<AsyncInvokePolicy>()

    package init(
        control: ControlPlane, supervisor: Supervisor, changes: ChangeCounter, recorder: InvocationRecorder? = nil,
        codeDirectory: @escaping @Sendable (CodeInfo) -> URL
    ) {
        self.control = control
        self.supervisor = supervisor
        self.changes = changes
        self.recorder = recorder
        self.codeDirectory = codeDirectory
    }

    /// What a call needs: the deployment, and the function's HTTP trigger if it has one.
    package struct Resolution: Sendable {
        package var deployment: Deployment
        package var httpTrigger: TriggerRecord?
        /// The HTTP trigger's methods (upper case) and whether it needs no signature, read once.
        package var httpMethods: Set<String> = []
        package var isAnonymous = false
        /// FC 3.0's `disableURLInternet`: the trigger's own URL refuses calls; custom domains still reach it.
        package var urlDisabled = false
        /// The trigger's `corsConfig`, when it has one.
        package var cors: CORSPolicy?

        init(deployment: Deployment, httpTrigger: TriggerRecord?) {
            self.deployment = deployment
            self.httpTrigger = httpTrigger
            let config = httpTrigger?.spec.triggerConfig ?? .object([:])
            httpMethods = Set((config.field("methods")?.arrayValue ?? []).compactMap { $0.stringValue?.uppercased() })
            isAnonymous = config.field("authType")?.stringValue?.lowercased() == "anonymous"
            urlDisabled = config.field("disableURLInternet") == .bool(true)
            cors = CORSPolicy(triggerConfig: config)
        }

        /// Whether an HTTP call may reach the function, and if it needs a signature: through its HTTP
        /// trigger (its methods and `authType`), or, for an FC 3.0 function without one, straight from
        /// a custom domain's route (FC 3.0 domains route to functions; the route has chosen the methods).
        package func httpAccess(method: String, viaDomain: Bool) -> (allowed: Bool, anonymous: Bool)? {
            if httpTrigger != nil { return (httpMethods.contains(method), isAnonymous) }
            guard viaDomain, deployment.contract.service.spec.holdsFC3Function == true else { return nil }
            return (true, true)
        }
    }

    /// The resolution when it is cached, without waiting: the warm lane's lookup on an event loop.
    ///
    /// For an alias, only when every version it can send calls to is cached: the call's version is
    /// drawn once, here or (when this returns nil) by the router. Drawing here and then handing the
    /// call to the router, which draws again, would send a canary far fewer calls than its weight.
    package func cachedResolution(service: String, qualifier: String, function: String, random: Double) -> Resolution? {
        let generation = changes.current
        let key = { (version: String) in "\(service)\u{0}\(qualifier)\u{0}\(version)\u{0}\(function)" }
        if qualifier == "LATEST" || qualifier.allSatisfy(\.isNumber) {
            return cache.get(key(qualifier), generation: generation)
        }
        guard let spec = aliases.get("\(service)\u{0}\(qualifier)", generation: generation) else { return nil }
        let picked = spec.pick(random)
        var resolution: Resolution?
        for version in [spec.versionId] + spec.additionalVersionWeight.keys {
            guard let cached = cache.get(key(version), generation: generation) else { return nil }
            if version == picked { resolution = cached }
        }
        return resolution
    }

    /// `random` picks an alias's version (a canary split); the default draws a fresh number per call.
    package func resolve(service: String, qualifier: String, function: String, random: Double = .random(in: 0..<1))
        async throws -> Resolution
    {
        let version = try await version(of: qualifier, service: service, random: random)
        let key = "\(service)\u{0}\(qualifier)\u{0}\(version)\u{0}\(function)"
        let generation = changes.current
        if let cached = cache.get(key, generation: generation) { return cached }
        // The reads are independent: run together, a first call waits for the slowest, not the sum.
        async let triggers = control.listTriggers(service: service, function: function, PageQuery(limit: 100))
        async let onDemand = control.store.config(
            .onDemand, for: QualifiedFunction(serviceName: service, qualifier: qualifier, functionName: function))
        async let concurrency = control.store.config(
            .concurrency, for: QualifiedFunction(serviceName: service, qualifier: "LATEST", functionName: function))
        let serviceRecord: ServiceRecord
        let functionRecord: FunctionRecord
        if version == "LATEST" {
            async let serviceRead = control.service(service)
            async let functionRead = control.function(function, service: service)
            (serviceRecord, functionRecord) = try await (serviceRead, functionRead)
        } else {
            let snapshot = try await control.version(version, service: service).snapshot
            serviceRecord = snapshot.service
            guard let record = snapshot.function(named: function) else {
                throw NimbusError(
                    .functionNotFound,
                    "function '\(function)' does not exist in service '\(service)' at version \(version)")
            }
            functionRecord = record
        }
        let contract = InstanceContract(
            service: serviceRecord, function: functionRecord, qualifier: qualifier, versionId: version,
            region: control.region, accountId: control.credentials.accountId)
        let maximum: Int? =
            if case .number(let value)? = try await onDemand?.fields["maximumInstanceCount"] {
                value.integer(in: FunctionConfigRecord.maximumInstanceCounts)
            } else {
                nil
            }
        let reserved: Int? =
            if case .number(let value)? = try await concurrency?.fields["reservedConcurrency"] {
                value.integer(in: FunctionConfigRecord.reservedConcurrencies)
            } else {
                nil
            }
        let resolution = Resolution(
            deployment: Deployment(
                contract: contract, codeDirectory: codeDirectory(functionRecord.code), maximumInstances: maximum,
                reservedConcurrency: reserved),
            httpTrigger: try await triggers.items.first { $0.spec.triggerType == "http" })
        cache.set(key, resolution, generation: generation)
        return resolution
    }

    /// Resolves a function's LATEST in the background after it was deployed or its triggers changed:
    /// its first call (and the warm lane) then finds it cached instead of reading the store.
    package func prepare(service: String, function: String) {
        // A warm-up only: if it fails, the first call resolves again and reports the error itself.
        Task { _ = try? await resolve(service: service, qualifier: "LATEST", function: function) }
    }

    /// `LATEST`, a version id, or the version an alias sends this call to.
    package func version(of qualifier: String, service: String, random: Double) async throws -> String {
        if let version = cachedVersion(of: qualifier, service: service, random: random) { return version }
        if qualifier.allSatisfy(\.isNumber) { throw NimbusError.versionNotFound(qualifier, service: service) }
        let generation = changes.current
        let spec = try await control.alias(qualifier, service: service).spec
        aliases.set("\(service)\u{0}\(qualifier)", spec, generation: generation)
        return spec.pick(random)
    }

    /// LATEST, a version id, or a cached alias's pick; nil when the alias is not cached (or the id is malformed).
    package func cachedVersion(of qualifier: String, service: String, random: Double) -> String? {
        if qualifier == "LATEST" { return qualifier }
        if qualifier.allSatisfy(\.isNumber) { return Int(qualifier) != nil ? qualifier : nil }
        return aliases.get("\(service)\u{0}\(qualifier)", generation: changes.current)?.pick(random)
    }

    /// The deployment a call runs.
    package func deployment(service: String, qualifier: String, function: String) async throws -> Deployment {
        try await resolve(service: service, qualifier: qualifier, function: function).deployment
    }

    /// Provisioned targets of LATEST and of aliases (an alias keeps its main version warm), as the supervisor
    /// keeps them.
    package func provisionTargets() async -> [(Deployment, Int)] {
        var targets: [(Deployment, Int)] = []
        var page = PageQuery(limit: 100)
        for _ in 0..<100 {
            guard let configs = try? await control.listConfigs(.provision, filter: FunctionConfigFilter(), page)
            else { break }
            for config in configs.items {
                // random 1.0 is past every canary threshold: the alias's main version
                guard case .number(let number)? = config.fields["target"],
                    let target = number.integer(in: FunctionConfigRecord.provisionTargets), target > 0,
                    let resolved = try? await resolve(
                        service: config.serviceName, qualifier: config.qualifier, function: config.functionName,
                        random: 1.0)
                else { continue }
                targets.append((resolved.deployment, target))
            }
            guard let next = configs.nextToken else { break }
            page.nextToken = next
        }
        return targets
    }

    /// `current` of a provision config: provisioned instances of the version its qualifier names.
    package func provisionedCount(_ target: QualifiedFunction) async -> Int {
        guard
            let version = try? await version(of: target.qualifier, service: target.serviceName, random: 1.0)
        else { return 0 }
        return await supervisor.provisionedCount(
            service: target.serviceName, version: version, function: target.functionName)
    }

}
