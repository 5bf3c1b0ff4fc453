import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NimbusCore

/// One running instance of a function: its process, its port, the calls in flight and their logs.
///
/// Created by the ``Supervisor``; `start()` returns once the program listens and its initializer
/// (if any) succeeded. Calls are plain HTTP requests to the program (fc-runtimes spec 4.2).
actor Instance {
    let id: String
    var contract: InstanceContract
    var codeDirectory: URL
    let configuration: RuntimeConfiguration
    let client: InstanceClient
    /// The event loop this actor's exchanges run on, where its pooled connections wait.
    nonisolated let loop: any EventLoop
    let logs: FunctionLogs
    let logger: Logger
    var onExit: @Sendable (String) async -> Void

    var port = 0
    var process: InstanceProcess?
    /// Cold start, calls served, last use: shared with the warm lane.
    nonisolated let ledger = CallLedger()
    /// Set by the supervisor before a start: why this instance is needed.
    var startReason = "first-call"
    var exited = false
    var recentOutput = LogTail(limit: 2048)
    var active: [String: LogTail?] = [:]
    var endWaiters: [String: CheckedContinuation<Void, Never>] = [:]
    /// The instance's cgroup when it runs sandboxed.
    var cgroup: InstanceCgroup?
    enum State: String, Sendable { case standby, starting, ready, stopping }
    var state = State.starting
    let createdAt = Date()
    /// The mount a standby instance's `/code` comes from.
    var slot: SlotMount?
    /// The network namespace with internet access the instance joined; released when it exits.
    var namespace: HeldNamespace?
    /// The namespace the program listens in, where the client connects to it (sandboxed only).
    var network: InstanceNetwork?

    var isCustomRuntime: Bool { (try? Runtime(fcName: contract.function.spec.runtime ?? "")) == .custom }

    init(
        id: String, contract: InstanceContract, codeDirectory: URL, configuration: RuntimeConfiguration,
        client: InstanceClient, logs: FunctionLogs, logger: Logger, onExit: @escaping @Sendable (String) async -> Void
    ) {
        self.id = id
        self.contract = contract
        self.codeDirectory = codeDirectory
        self.configuration = configuration
        self.client = client
        self.loop = client.group.next()
        self.logs = logs
        self.logger = logger
        self.onExit = onExit
    }

    /// Launches the program and waits until it listens; returns when the launch began. The supervisor
    /// then runs the initializer (`initialize`), once the next start may go.
    func launch() async throws(InstanceStartFailure) -> Date {
        let began = Date()
        do {
            port = try PortAllocator.freePort()
            var arguments = try LaunchCommand.arguments(
                for: contract.function.spec, codeDirectory: codeDirectory, configuration: configuration)
            var initOptions: [String] = []
            var codePath = codeDirectory.path
            // The port the program listens on: ours on the host, or its caPort in its network namespace.
            var instancePort = port
            if let sandbox = configuration.sandbox {
                let plan = SandboxPlan(spec: contract.function.spec, service: contract.service.spec)
                let cgroup = try sandbox.cgroups.create("i-\(id)", limits: plan.limits)
                self.cgroup = cgroup
                instancePort = contract.function.spec.caPort ?? 9000
                let launch = try await sandbox.launch(
                    plan: plan, cgroup: cgroup, codeDirectory: codeDirectory.path,
                    shimDirectory: LaunchCommand.shimRoot, program: arguments,
                    relay: (port, instancePort), configuration: configuration, logger: logger)
                (initOptions, arguments, namespace) = (launch.initOptions, launch.command, launch.namespace)
                codePath = SandboxPlan.codePath
            }
            process = try await InstanceProcess.launch(
                initOptions: initOptions, arguments: arguments,
                environment: contract.environment(port: instancePort, codeDirectory: codePath, instanceId: id),
                workingDirectory: codeDirectory.path, configuration: configuration, budget: configuration.logBudget,
                onOutput: { [weak self] batch in await self?.take(batch) },
                onExit: { [weak self] status in await self?.processExited(status) })
            try await waitUntilListening()
            if configuration.sandbox != nil { openNetwork(port: instancePort) }
        } catch let error as NimbusError {
            stopProcessTree()
            if process == nil { namespace?.release() }
            throw .platform(error)
        } catch {
            stopProcessTree()
            if process == nil { namespace?.release() }
            throw .platform(NimbusError(.instanceExited, "the instance failed to start: \(error)"))
        }
        return began
    }

    /// The last step of every start: the initializer (once), then the cold-start record.
    func initialize(requestId: String, mode: String, began: Date) async throws(InstanceStartFailure) {
        let listening = Date()
        if let initializer = contract.function.spec.initializer, !initializer.isEmpty {
            let reply = await runInitializer(requestId: requestId)
            if reply.errorType != nil {
                stopProcessTree()
                throw .initializer(reply)
            }
        }
        let cold = ColdStart(
            reason: startReason, mode: mode, start: listening.timeIntervalSince(began),
            initializer: Date().timeIntervalSince(listening))
        ledger.setColdStart(cold)
        state = .ready
        logger.instanceEvent(
            "instance started", instanceId: id, contract: contract, requestId: requestId,
            [
                "mode": .string(mode), "reason": .string(startReason),
                "start.ms": "\(Int((cold.start * 1000).rounded()))",
                "initializer.ms": "\(Int((cold.initializer * 1000).rounded()))",
            ])
    }

    /// What `list_instances` and `nimbus instances` show.
    var summary: InstanceSummary {
        let served = ledger.served
        return InstanceSummary(
            id: id, state: state.rawValue, createdAt: createdAt, lastUsed: served.lastUsed, callsServed: served.count,
            activeCalls: active.count + ledger.calls.lane.count,
            memoryMB: cgroup?.currentMemoryBytes().map { Double($0) / 1_048_576 }
                ?? process?.peakMemoryMB() ?? 0)
    }

    /// Holds the program's network namespace so connections to it skip the relay. Without it
    /// (which should not happen) calls still go through the relay, and the log says so.
    func openNetwork(port: Int) {
        guard let process else { return }
        do {
            network = try InstanceNetwork.of(process, port: port)
        } catch {
            logger.instanceEvent(
                "instance reached through its relay: \(error.message)", level: .warning, instanceId: id,
                contract: contract)
        }
    }

    func setStartReason(_ reason: String) { startReason = reason }

    func waitUntilListening() async throws(NimbusError) {
        let deadline = Date().addingTimeInterval(configuration.startTimeout)
        var polls = 0
        while Date() < deadline {
            if exited {
                throw NimbusError(
                    .instanceExited,
                    "the instance exited before it listened on port \(port). Output:\n\(recentOutput.text)")
            }
            if PortAllocator.accepts(port: port) { return }
            // Every millisecond for the first 100 ms (most programs listen by then: each poll saved is
            // cold-start time), then every 5 ms.
            polls += 1
            try? await Task.sleep(for: .milliseconds(polls < 100 ? 1 : 5))
        }
        throw NimbusError(
            .instanceExited,
            "the instance did not listen on FC_SERVER_PORT (\(port)) within \(Int(configuration.startTimeout)) s. "
                + "Output:\n\(recentOutput.text)")
    }

    func runInitializer(requestId: String) async -> InstanceReply {
        let head = InstanceRequest.control(
            .POST, "/initialize",
            contractHeaders: InstanceRequest.headers(contract, requestId: requestId, controlPath: "/initialize"),
            port: port)
        return await exchange(
            head, requestId: requestId, timeout: contract.function.spec.initializationTimeout ?? 3, wantsTail: false,
            isHTTP: false)
    }

    /// Sends one call to the program and turns what happens into a reply, crashes and timeouts included.
    func call(_ call: InstanceCall) async -> InstanceReply {
        let isHTTP = call.kind.isHTTP
        let headers = InstanceRequest.headers(
            contract, requestId: call.requestId, controlPath: isHTTP ? "/http-invoke" : "/invoke",
            retryCount: call.retryCount)
        let request = InstanceRequest.call(call.kind, contractHeaders: headers, port: port)
        beginCall(call.requestId, wantsTail: call.wantsLogTail)
        if isCustomRuntime { route(InstanceReply.invokeStartLine(call.requestId), requestId: call.requestId) }
        var reply = await exchange(
            request.head, body: request.body, requestId: call.requestId, timeout: contract.function.spec.timeout ?? 3,
            wantsTail: call.wantsLogTail, isHTTP: isHTTP)
        reply.coldStart = ledger.takeColdStart()
        ledger.callEnded(call.requestId, lane: false)
        if let cold = reply.coldStart {
            route("FC Cold Start RequestId: \(call.requestId) \(cold.header)", requestId: call.requestId)
        }
        // FC runs preFreeze when the last call in flight finishes, before the instance would freeze.
        if active.isEmpty, !reply.instanceDied, let hook = contract.function.spec.instanceLifecycleConfig?.preFreeze {
            // After the reply: the caller does not wait for the hook, as in FC.
            Task { await self.runHook(hook, path: "/pre-freeze") }
        }
        return reply
    }
}
