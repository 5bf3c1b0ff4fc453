import Foundation
import Logging
import NimbusCore
import NimbusRuntime

/// Decides at start how instances will be confined, and proves it with a trial instance launched the
/// way every instance is. Where instances could not run, Nimbus refuses to start with one line that
/// names what is missing and how to fix it, instead of failing every invocation with a 500.
enum StartupCheck {
    struct Outcome {
        var setup: SandboxSetup?
        /// What `/health` reports.
        var status: JSONValue
    }

    /// A sandboxed configuration never falls back silently: if the host can't sandbox, Nimbus stops.
    static func resolve(_ configuration: NimbusConfiguration, logger: Logger) async throws(NimbusError) -> Outcome {
        var runtime = configuration.runtime
        guard FileManager.default.isExecutableFile(atPath: runtime.initPath) else {
            throw NimbusError(
                .internalServerError,
                "Nimbus cannot start: nimbus-init is missing (no executable at \(runtime.initPath)). Build it with "
                    + "`swift build --product nimbus` (which builds nimbus-init too) and keep it in the same folder "
                    + "as nimbus.")
        }
        guard configuration.sandbox else {
            logger.warning(
                "SANDBOX OFF: functions run as plain processes with Nimbus's privileges (NIMBUS_SANDBOX=off)")
            try await trial(runtime)
            return Outcome(
                setup: nil, status: .object(["enabled": .bool(false), "reason": .string("disabled by the operator")]))
        }
        let setup = try sandbox(configuration)
        runtime.sandbox = setup
        do {
            try await trial(runtime)
        } catch {
            setup.cgroups.removeRoot()  // Nimbus is not starting: its folder would stay forever
            throw error
        }
        return Outcome(
            setup: setup,
            status: .object([
                "enabled": .bool(true), "bubblewrap": .string(setup.bubblewrapPath), "pasta": .string(setup.pastaPath),
                "cgroups": .string(setup.cgroups.version.rawValue),
            ]))
    }

    /// The sandbox's parts on this host: bubblewrap, setpriv and a writable cgroup hierarchy.
    static func sandbox(_ configuration: NimbusConfiguration) throws(NimbusError) -> SandboxSetup {
        guard FileManager.default.isExecutableFile(atPath: configuration.bubblewrapPath) else {
            throw cannotSandbox(
                "bubblewrap is not installed (no \(configuration.bubblewrapPath)). Install it (Debian: "
                    + "apt-get install bubblewrap) or point NIMBUS_BWRAP at it")
        }
        guard FileManager.default.isExecutableFile(atPath: configuration.pastaPath) else {
            throw cannotSandbox(
                "pasta is not installed (no \(configuration.pastaPath)): instances reach the internet through it "
                    + "from their own network namespaces. Install it (Debian: apt-get install passt) or point "
                    + "NIMBUS_PASTA at it")
        }
        guard FileManager.default.isExecutableFile(atPath: SandboxPlan.setprivPath) else {
            throw cannotSandbox("setpriv is missing (no \(SandboxPlan.setprivPath)). Install util-linux")
        }
        let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory).standardizedFileURL.path
        guard let cgroups = Cgroups.detect(group: SandboxSetup.cgroupGroup(dataDirectory: dataDirectory)) else {
            throw cannotSandbox(
                "no writable cgroup hierarchy with the memory, pids and cpu controllers under /sys/fs/cgroup. Run "
                    + "Nimbus as root with cgroups mounted (under systemd: Delegate=yes)")
        }
        cgroups.removeLeftovers()  // a crashed run's instances
        return SandboxSetup(
            bubblewrapPath: configuration.bubblewrapPath, pastaPath: configuration.pastaPath, cgroups: cgroups)
    }

    /// The trial instance (`/usr/bin/true`): 20 to 50 ms sandboxed here (2 cores). When the
    /// sandboxed one fails, a second trial without the sandbox tells nimbus-init's fault from the sandbox's.
    static func trial(_ runtime: RuntimeConfiguration) async throws(NimbusError) {
        do {
            try await LaunchCheck.run(runtime)
        } catch {
            var plain = runtime
            plain.sandbox = nil
            if runtime.sandbox != nil, await works(plain) {
                throw cannotSandbox(
                    "\(error.message). Run Nimbus as root on a host where bubblewrap may create namespaces")
            }
            throw NimbusError(
                .internalServerError,
                "Nimbus cannot start: nimbus-init (\(runtime.initPath)) does not work: \(error.message). "
                    + "Rebuild it with nimbus (`swift build --product nimbus`) and keep both in the same folder.")
        }
    }

    static func works(_ runtime: RuntimeConfiguration) async -> Bool {
        do {
            try await LaunchCheck.run(runtime)
            return true
        } catch {
            return false
        }
    }

    static func cannotSandbox(_ problem: String) -> NimbusError {
        NimbusError(
            .internalServerError,
            "Nimbus cannot sandbox function instances on this host: \(problem); or set NIMBUS_SANDBOX=off to run "
                + "functions unsandboxed (unsafe: they can read everything Nimbus can).")
    }
}
