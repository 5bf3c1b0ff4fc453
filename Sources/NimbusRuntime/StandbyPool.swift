import Foundation
import Logging
import NimbusCore

/// Generic runtime processes started ahead of time, per runtime, each already sandboxed and
/// listening with its interpreter and shim loaded. A cold start takes one instead of spawning: it
/// only mounts the function's code, hands over its environment and loads the user's module.
actor StandbyPool {
    /// The runtimes that can wait for a function, with the FC runtime name they start as.
    static let runtimes: [(kind: Runtime, fcName: String)] = [(.python3, "python3"), (.nodejs, "nodejs20")]

    let sandbox: SandboxSetup
    let configuration: RuntimeConfiguration
    let client: InstanceClient
    let logs: FunctionLogs
    let logger: Logger
    let slots: URL
    let perRuntime: Int
    private var waiting: [Runtime: [Instance]] = [:]
    private var starting: [Runtime: Int] = [:]
    private var stopped = false
    private var counter = 0
    static let refillDelay: Duration = .milliseconds(25)

    init(
        sandbox: SandboxSetup, configuration: RuntimeConfiguration, client: InstanceClient, logs: FunctionLogs,
        logger: Logger, slots: URL, perRuntime: Int
    ) {
        self.sandbox = sandbox
        self.configuration = configuration
        self.client = client
        self.logs = logs
        self.logger = logger
        self.slots = slots
        self.perRuntime = perRuntime
    }

    /// Whether a function can start from a standby: same sandbox shape as the standby's.
    static func accepts(_ contract: InstanceContract) -> Runtime? {
        let spec = contract.function.spec
        guard let runtime = try? Runtime(fcName: spec.runtime ?? ""), runtime != .custom,
            contract.service.spec.internetAccess != false, (spec.diskSize ?? 512) == 512
        else { return nil }
        return runtime
    }

    /// A standby for the runtime, if one is waiting; a replacement starts in the background a
    /// moment later, so its spawn (tens of ms of CPU) does not compete with the cold call it serves.
    func take(_ runtime: Runtime) -> Instance? {
        defer {
            // Later, and not awaited: see above.
            Task {
                try? await Task.sleep(for: Self.refillDelay)
                self.fill()
            }
        }
        guard var list = waiting[runtime], !list.isEmpty else { return nil }
        let instance = list.removeFirst()
        waiting[runtime] = list
        return instance
    }

    /// Starts standbys until each runtime has `perRuntime` waiting or starting.
    func fill() {
        guard !stopped else { return }
        for (runtime, fcName) in Self.runtimes {
            while (waiting[runtime]?.count ?? 0) + (starting[runtime] ?? 0) < perRuntime {
                starting[runtime, default: 0] += 1
                counter += 1
                let id = "standby-\(counter)-\(UUID().uuidString.prefix(6).lowercased())"
                // Standbys start side by side, each a process start of tens of ms.
                Task { await self.startOne(runtime, fcName: fcName, id: id) }
            }
        }
    }

    private func startOne(_ runtime: Runtime, fcName: String, id: String) async {
        let instance = Instance(
            id: id, contract: .standby(runtime: fcName, region: ""), codeDirectory: slots,
            configuration: configuration, client: client, logs: logs, logger: logger,
            onExit: { [weak self] exited in await self?.forget(exited) })
        var slot: SlotMount?
        do {
            let made = try SlotMount.make(root: slots, id: id)
            slot = made
            try await instance.startStandby(slot: made, sandbox: sandbox)
            starting[runtime, default: 1] -= 1
            guard !stopped else { return await instance.killNow() }
            waiting[runtime, default: []].append(instance)
        } catch {
            starting[runtime, default: 1] -= 1
            // nimbus-init unmounts a slot once it runs; a start that failed before may not have got there.
            slot?.release()
            if stopped { return }  // killed by the shutdown while it started
            logger.warning("a standby \(fcName) instance failed to start", metadata: ["error": "\(error)"])
        }
    }

    /// A standby died before any function took it.
    private func forget(_ id: String) async {
        for (runtime, list) in waiting {
            var kept: [Instance] = []
            for instance in list where instance.id != id { kept.append(instance) }
            waiting[runtime] = kept
        }
    }

    func stopAll() async {
        stopped = true
        let all = waiting.values.flatMap { $0 }
        waiting = [:]
        for instance in all { await instance.killNow() }
    }
}
