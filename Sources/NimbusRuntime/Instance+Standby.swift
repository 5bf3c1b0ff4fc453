import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

extension Instance {
    /// Starts a generic runtime process that waits for a function: interpreter and shim loaded,
    /// listening, sandboxed, with an empty `/code` slot. A function takes it with ``assign``.
    func startStandby(slot: SlotMount, sandbox: SandboxSetup) async throws(NimbusError) {
        self.slot = slot
        do {
            port = try PortAllocator.freePort()
        } catch {
            throw NimbusError(.internalServerError, "no free port: \(error)")
        }
        let plan = SandboxPlan(spec: contract.function.spec, service: contract.service.spec)
        let cgroup = try sandbox.cgroups.create("i-\(id)", limits: plan.limits)
        self.cgroup = cgroup
        let program = try LaunchCommand.arguments(
            for: contract.function.spec, codeDirectory: URL(fileURLWithPath: slot.path), configuration: configuration)
        var launch = try await sandbox.launch(
            plan: plan, cgroup: cgroup, codeDirectory: slot.path, shimDirectory: LaunchCommand.shimRoot,
            program: program, relay: (port, port), configuration: configuration, logger: logger)
        namespace = launch.namespace
        // nimbus-init unmounts the slot however the instance ends, even if Nimbus is killed.
        launch.initOptions += ["--cleanup-mount", slot.path, "--cleanup-mount", slot.staging]
        let environment = [
            "FC_SERVER_PORT": String(port), "FC_FUNC_CODE_PATH": SandboxPlan.codePath, "NIMBUS_STANDBY": "1",
            "PATH": SandboxPlan.path, "HOME": "/tmp", "LANG": "C.UTF-8", "TZ": "UTC",
        ]
        do {
            process = try await InstanceProcess.launch(
                initOptions: launch.initOptions, arguments: launch.command, environment: environment,
                workingDirectory: slot.path, configuration: configuration, budget: configuration.logBudget,
                onOutput: { [weak self] batch in await self?.take(batch) },
                onExit: { [weak self] status in await self?.processExited(status) })
        } catch {
            namespace?.release()
            throw error
        }
        do {
            try await waitUntilListening()
        } catch {
            stopProcessTree()
            throw error
        }
        openNetwork(port: port)
        do {
            try await openAssignmentConnection()
        } catch {
            stopProcessTree()
            throw error
        }
        state = .standby
    }

    /// Asks the standby whether it is assigned (it is not). The connection stays pooled on this
    /// instance's loop, so an assignment does not wait for a connect and for the runtime to accept
    /// it: 0.7 ms of a cold start. A standby that does not answer is not ready.
    private func openAssignmentConnection() async throws(NimbusError) {
        let head = InstanceRequest.control(.GET, "/nimbus/assign", port: port)
        switch await send(head, body: ByteBuffer(), requestId: "", timeout: 5, killing: false) {
        case .reply(let response, _) where response.status == .ok: return
        case .reply(let response, _):
            throw NimbusError(.instanceExited, "the standby answered its probe with \(response.status.code)")
        case .ended(_, let detail):
            throw NimbusError(.instanceExited, "the standby did not answer its probe: \(detail)")
        }
    }

    /// Gives this standby to a function: its code appears at `/code`, its limits apply, its
    /// environment is handed over, and its initializer runs. What remains of a cold start.
    func assign(
        contract: InstanceContract, codeDirectory: URL, requestId: String,
        onExit: @escaping @Sendable (String) async -> Void
    ) async throws(InstanceStartFailure) {
        let began = Date()
        self.contract = contract
        self.codeDirectory = codeDirectory
        self.onExit = onExit
        state = .starting
        do {
            guard let slot else { throw NimbusError(.internalServerError, "not a standby instance") }
            try slot.attach(codeDirectory.path)
            try cgroup?.apply(SandboxPlan(spec: contract.function.spec, service: contract.service.spec).limits)
            var head = InstanceRequest.control(.POST, "/nimbus/assign", port: port)
            head.headers.add(name: "content-type", value: "application/json")
            let environment = contract.environment(port: port, codeDirectory: SandboxPlan.codePath, instanceId: id)
            let body = try FCJSON.makeEncoder().encode(
                JSONValue.object(["environment": .object(environment.mapValues(JSONValue.string))]))
            switch await send(head, body: ByteBuffer(bytes: body), requestId: requestId, timeout: 10, killing: false) {
            case .reply(let response, _) where response.status == .ok: break
            case .reply(let response, _):
                throw NimbusError(
                    .instanceExited, "the standby instance refused its function (\(response.status.code))")
            case .ended(_, let detail):
                throw NimbusError(.instanceExited, "the standby instance could not be assigned: \(detail)")
            }
        } catch let error as NimbusError {
            abandonAssignment()
            throw .platform(error)
        } catch {
            abandonAssignment()
            throw .platform(NimbusError(.instanceExited, "the standby instance could not be assigned: \(error)"))
        }
        try await initialize(requestId: requestId, mode: "standby", began: began)
    }

    /// A failed assignment: the standby goes, and its exit is no news to the pool that wanted it
    /// (a process of the function's own takes its place there).
    private func abandonAssignment() {
        onExit = { _ in }
        state = .stopping
        stopProcessTree()
    }
}

extension InstanceContract {
    /// The placeholder a standby is started with: a function of that runtime with FC's defaults.
    static func standby(runtime: String, region: String) -> InstanceContract {
        var spec = FunctionSpec()
        spec.runtime = runtime
        spec.handler = "index.handler"
        let meta = ResourceMeta(id: "standby", name: "standby", createdTime: Date(), lastModifiedTime: Date(), etag: "")
        return InstanceContract(
            service: ServiceRecord(meta: meta, spec: ServiceSpec().withDefaults()),
            function: FunctionRecord(
                meta: meta, serviceName: "standby", spec: spec.withDefaults(),
                code: CodeInfo(size: 0, checksum: "", digest: "")),
            qualifier: "LATEST", versionId: "LATEST", region: region, accountId: "")
    }
}
