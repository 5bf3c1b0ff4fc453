import Foundation
import Logging
import NimbusCore
import Synchronization

/// Network namespaces with internet access made ahead of the instances that run in them. pasta
/// takes 20 to 50 ms to start (it opens its socket pool first), which every spawned instance with
/// internet access paid in its cold start; a holder (`nimbus-init --hold-netns`) pays it before
/// the call comes, and the instance's nimbus-init joins the namespace (`--join-netns`).
///
/// Each namespace serves one instance and goes when it exits: nothing one instance left in it
/// (sockets, routes, neighbours) reaches the next.
package actor NetworkNamespaces {
    let pastaPath: String
    /// Namespaces kept ready; a cold start that finds none makes its own, as fast as before.
    let ahead: Int
    private var ready: [HeldNamespace] = []
    private var making = 0
    private var stopped = false
    /// What the latest taker launched with: refills start holders the same way.
    private var launcher: (configuration: RuntimeConfiguration, logger: Logger)?
    /// A refill waits this long, so its holder's start does not compete with the cold start that took one.
    static let refillDelay: Duration = .milliseconds(25)

    package init(pastaPath: String, ahead: Int = 2) {
        self.pastaPath = pastaPath
        self.ahead = ahead
    }

    /// A namespace with internet access for one instance: a ready one, else one made now.
    func take(configuration: RuntimeConfiguration, logger: Logger) async throws(NimbusError) -> HeldNamespace {
        launcher = (configuration, logger)
        defer { scheduleRefill() }
        while let namespace = ready.popLast() {
            if namespace.isAlive { return namespace }
        }
        return try await HeldNamespace.make(pastaPath: pastaPath, configuration: configuration, logger: logger)
    }

    private func scheduleRefill() {
        guard !stopped, ready.count + making < ahead else { return }
        making += 1
        // In the background: a refill must not hold up the instance that took a namespace.
        Task {
            do {
                try await Task.sleep(for: Self.refillDelay)
            } catch {}  // never cancelled; a refill made sooner is no harm
            await self.makeOne()
        }
    }

    private func makeOne() async {
        guard let launcher, !stopped else { return making -= 1 }
        do {
            let namespace = try await HeldNamespace.make(
                pastaPath: pastaPath, configuration: launcher.configuration, logger: launcher.logger)
            making -= 1
            guard !stopped else { return namespace.release() }
            ready.append(namespace)
        } catch {
            making -= 1
            launcher.logger.warning(
                "a network namespace with internet access could not be made ahead", metadata: ["error": "\(error)"])
            return
        }
        scheduleRefill()
    }

    /// Stops every holder still waiting (at shutdown); holders given to instances go with them.
    package func stopAll() {
        stopped = true
        for namespace in ready { namespace.release() }
        ready = []
    }
}

/// One namespace made by a holder process, bound at `path` until ``release()`` or the holder's end.
final class HeldNamespace: Sendable {
    let path: String
    private let holder: InstanceProcess
    private let state: HolderState

    private init(path: String, holder: InstanceProcess, state: HolderState) {
        self.path = path
        self.holder = holder
        self.state = state
    }

    var isAlive: Bool { !state.exited.withLock { $0 } }

    /// The holder stops pasta and unbinds the namespace; an instance in it keeps only its loopback.
    func release() {
        let first = state.released.withLock { released in
            defer { released = true }
            return !released
        }
        // Once only, and not after its exit: its pid may be another process's by then.
        if first, isAlive { holder.terminate() }
    }

    static let startTimeout: Duration = .seconds(10)

    static func make(
        pastaPath: String, configuration: RuntimeConfiguration, logger: Logger
    ) async throws(NimbusError) -> HeldNamespace {
        let (said, saying) = AsyncStream<Result<String, NimbusError>>.makeStream()
        let state = HolderState()
        let holder = try await InstanceProcess.launch(
            initOptions: ["--hold-netns", pastaPath], arguments: [], environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: "/", configuration: configuration,
            onLine: { line in
                if line.hasPrefix("netns /") {
                    state.ready.withLock { $0 = true }
                    saying.yield(.success(String(line.dropFirst("netns ".count)).trimmingCharacters(in: .newlines)))
                    return
                }
                let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
                // Before it is ready, what it says goes into the error the start throws.
                if state.ready.withLock({ $0 }) {
                    logger.warning("network namespace holder: \(text)")
                } else {
                    state.said.withLock { $0.append(text) }
                }
            },
            onExit: { status in
                state.exited.withLock { $0 = true }
                saying.yield(.failure(NimbusError(.internalServerError, "exited with status \(status ?? -1)")))
                if state.ready.withLock({ $0 }), !state.released.withLock({ $0 }) {
                    logger.warning("a network namespace holder exited with status \(status ?? -1)")
                }
            })
        // The bound on a holder's start, cancelled once it reports ready.
        let timer = Task {
            do {
                try await Task.sleep(for: startTimeout)
            } catch {
                return  // cancelled: the holder answered in time
            }
            saying.yield(.failure(NimbusError(.internalServerError, "did not say it was ready within \(startTimeout)")))
        }
        defer { timer.cancel() }
        for await outcome in said {
            switch outcome {
            case .success(let path):
                return HeldNamespace(path: path, holder: holder, state: state)
            case .failure(let error):
                state.released.withLock { $0 = true }
                holder.killNow()
                let said = state.said.withLock { $0 }.filter { !$0.isEmpty }.joined(separator: " / ")
                throw NimbusError(
                    .internalServerError,
                    "cannot give the instance internet access: the network namespace holder \(error.message)"
                        + (said.isEmpty ? "" : ": \(said)"))
            }
        }
        throw NimbusError(.internalServerError, "the network namespace holder did not start")
    }
}

/// Whether a holder has exited, and whether Nimbus asked it to (its end is then not news).
private final class HolderState: Sendable {
    let exited = Mutex(false)
    let released = Mutex(false)
    let ready = Mutex(false)
    /// What it printed besides its path: why it failed, when it did.
    let said = Mutex<[String]>([])
}
