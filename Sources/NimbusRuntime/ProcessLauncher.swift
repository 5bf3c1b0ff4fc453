import Foundation
import Logging
import NimbusCore

/// Starts instances as processes: a standby (interpreter already running) when one fits, else a
/// process of its own, a few at a time (``SpawnGate``), the initializer after.
actor ProcessLauncher: InstanceLauncher {
    let configuration: RuntimeConfiguration
    let client: InstanceClient
    let logs: FunctionLogs
    let logger: Logger
    /// Processes starting at once, and the starts waiting their turn.
    private var spawnGate: SpawnGate
    private var spawnTurns: [Int: CheckedContinuation<Void, Never>] = [:]
    private var spawnHolders: Set<Int> = []
    private var nextSpawnTicket = 0
    static let spawnTurnLimit: Duration = .seconds(1)
    private var shuttingDown = false
    /// Generic instances waiting for a function (sandboxed hosts only).
    private let standbys: StandbyPool?

    init(configuration: RuntimeConfiguration, client: InstanceClient, logs: FunctionLogs, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.logs = logs
        self.logger = logger
        self.spawnGate = SpawnGate(limit: configuration.spawnConcurrency)
        if let sandbox = configuration.sandbox, let slots = configuration.slotsDirectory,
            configuration.standbysPerRuntime > 0
        {
            SlotMount.removeLeftovers(root: slots)
            standbys = StandbyPool(
                sandbox: sandbox, configuration: configuration, client: client, logs: logs, logger: logger,
                slots: slots, perRuntime: configuration.standbysPerRuntime)
        } else {
            standbys = nil
        }
    }

    func start(_ launch: InstanceLaunch) async throws(InstanceStartFailure) -> any RunningInstance {
        let contract = launch.deployment.contract
        if let runtime = StandbyPool.accepts(contract), let standby = await standbys?.take(runtime) {
            await launch.registered(standby)
            await standby.setStartReason(launch.reason)
            do {
                try await standby.assign(
                    contract: contract, codeDirectory: launch.deployment.codeDirectory, requestId: launch.requestId,
                    onExit: launch.onExit)
                return standby
            } catch .platform(let error) {
                // The platform's own shortcut failed, not the function: the call still gets an instance.
                logger.warning(
                    "a standby could not take the function; starting a process of its own",
                    metadata: ["function.name": .string(contract.function.name), "error": "\(error)"])
            }
        }
        let instance = Instance(
            id: launch.instanceId, contract: contract, codeDirectory: launch.deployment.codeDirectory,
            configuration: configuration, client: client, logs: logs, logger: logger, onExit: launch.onExit)
        await launch.registered(instance)
        await instance.setStartReason(launch.reason)
        let turn = await waitForSpawnTurn()
        let began: Date
        do throws(InstanceStartFailure) {
            guard !shuttingDown else {
                throw InstanceStartFailure.platform(NimbusError(.resourceExhausted, "Nimbus is shutting down"))
            }
            began = try await instance.launch()
            spawnEnded(turn)
        } catch {
            spawnEnded(turn)
            throw error
        }
        try await instance.initialize(requestId: launch.requestId, mode: "spawn", began: began)
        return instance
    }

    func prepare() async {
        await standbys?.fill()
    }

    func beginShutdown() async {
        shuttingDown = true
        for ticket in spawnGate.drain() { spawnTurns.removeValue(forKey: ticket)?.resume() }
        await standbys?.stopAll()
        await configuration.sandbox?.namespaces.stopAll()
    }

    func endShutdown() async {
        // Slots of standbys still starting when the stop came: their nimbus-init, which unmounts a slot
        // however its instance ends, may never have run. The same sweep as at start.
        if standbys != nil, let slots = configuration.slotsDirectory { SlotMount.removeLeftovers(root: slots) }
        // Each stop returned after its instance's exit handling released its cgroup; what a start
        // still in flight made is killed and removed with the parent folders.
        await configuration.sandbox?.cgroups.removeRoot(waitingUpTo: 3)
    }

    /// Waits until fewer than the configured number of processes are starting; returns the turn to end.
    /// A turn ends by itself after `spawnTurnLimit`: a program that never listens (it waits for its
    /// 60 s start deadline) must not hold back every other function's starts.
    private func waitForSpawnTurn() async -> Int {
        let ticket = nextSpawnTicket
        nextSpawnTicket += 1
        if !spawnGate.enter(ticket) {
            await withCheckedContinuation { spawnTurns[ticket] = $0 }
        }
        spawnHolders.insert(ticket)
        // The bound on one spawn's turn: a start that hangs cannot hold the gate. The sleep only throws
        // if this task is cancelled (nothing cancels it), and then the turn ends early: harmless, as
        // `spawnEnded` ends a turn once.
        Task {
            try? await Task.sleep(for: Self.spawnTurnLimit)
            self.spawnEnded(ticket)
        }
        return ticket
    }

    /// A process started (or failed to, or took too long): the next waiting start goes.
    private func spawnEnded(_ ticket: Int) {
        guard spawnHolders.remove(ticket) != nil else { return }
        if let next = spawnGate.leave() { spawnTurns.removeValue(forKey: next)?.resume() }
    }
}

extension Instance: RunningInstance {}
