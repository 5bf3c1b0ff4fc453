import Foundation
import NimbusCore

/// How the supervisor runs instances. Defaults suit one machine.
package struct RuntimeConfiguration: Sendable {
    /// An instance with no calls for this long is stopped (FC: 3 to 5 minutes).
    package var idleTimeout: TimeInterval = 240
    /// On-demand instances one function may run at once, unless its on-demand config says otherwise;
    /// nil caps a function only by `maximumInstances`, as FC caps none by default.
    package var maximumInstancesPerFunction: Int?
    /// Instances of all functions together; calls past it queue, then get 429 `ResourceExhausted`.
    package var maximumInstances: Int = 100
    /// Instance processes starting at once (the rest wait their turn): a burst on few cores finishes
    /// its first starts in tens of milliseconds instead of all of them after seconds. One per core
    /// measured best here (200-call burst on 2 cores: 2 at once 54 ms per start, 8 at once 201 ms,
    /// the same overall rate).
    package var spawnConcurrency: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// How long a process may take to listen on its port.
    package var startTimeout: TimeInterval = 60
    /// How long a call waits for a free instance before it is throttled.
    package var queueTimeout: TimeInterval = 30
    /// Time between SIGTERM and SIGKILL when an instance is stopped.
    package var stopGrace: TimeInterval = 2
    /// Where the `nimbus-init` executable is; found beside the running binary by default.
    package var initPath: String
    package var pythonPath: String
    package var nodePath: String
    /// How instances are confined; nil runs them as plain processes (an operator's explicit choice).
    package var sandbox: SandboxSetup?
    /// Generic python3 and nodejs instances kept waiting for a function (needs the sandbox); 0 disables.
    package var standbysPerRuntime: Int = 2
    /// Where standby instances' code slots are mounted (inside the data dir).
    package var slotsDirectory: URL?
    /// MB per second of output one instance may log, with bursts of four seconds' worth; what goes
    /// over is dropped, counted and said in the function's log. 0 keeps everything.
    package var logRateLimitMB: Double = 16

    /// Each instance's own budget; nil when unlimited (0, or too large to count in bytes).
    package var logBudget: LogBudget? {
        let bytesPerSecond = logRateLimitMB * 1_048_576
        guard bytesPerSecond > 0, bytesPerSecond.isFinite else { return nil }
        return LogBudget(bytesPerSecond: bytesPerSecond, burstSeconds: 4)
    }

    package init(
        initPath: String? = nil, pythonPath: String? = nil, nodePath: String? = nil
    ) {
        self.initPath = initPath ?? RuntimeConfiguration.besideExecutable("nimbus-init")
        self.pythonPath = pythonPath ?? RuntimeConfiguration.interpreter("python3")
        self.nodePath = nodePath ?? RuntimeConfiguration.interpreter("node")
    }

    /// A file next to the running executable (SwiftPM puts all products of a build in one folder).
    package static func besideExecutable(_ name: String) -> String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// The system's interpreter first: version managers' shims (pyenv, nvm) are shell scripts that
    /// add tens of milliseconds to every cold start and live outside the system directories.
    static func interpreter(_ name: String) -> String {
        for directory in ["/usr/bin", "/usr/local/bin", "/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return onPath(name) ?? "/usr/bin/\(name)"
    }

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
