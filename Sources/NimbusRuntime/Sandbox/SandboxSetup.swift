import Crypto
import Foundation
import NimbusCore
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// What confines instances on this host: bubblewrap and a writable cgroup hierarchy.
package struct SandboxSetup: Sendable {
    package let bubblewrapPath: String
    package let cgroups: Cgroups

    /// Checks the whole chain once at start: cgroups are writable, and bubblewrap can build a sandbox
    /// as the unprivileged instance user. Returns the setup, or why this host can't sandbox.
    package static func probe(
        initPath: String, bubblewrapPath: String = "/usr/bin/bwrap", dataDirectory: String
    ) async -> Result<SandboxSetup, NimbusError> {
        guard FileManager.default.isExecutableFile(atPath: bubblewrapPath) else {
            return .failure(NimbusError(.internalServerError, "bubblewrap is not installed (\(bubblewrapPath))"))
        }
        let digest = SHA256.hash(data: Data(dataDirectory.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        guard let cgroups = Cgroups.detect(group: "nimbus-\(digest)") else {
            return .failure(
                NimbusError(.internalServerError, "no writable cgroup hierarchy with memory, pids and cpu controllers"))
        }
        let arguments =
            [
                "--no-lifeline", "--", bubblewrapPath, "--unshare-pid", "--die-with-parent", "--ro-bind", "/usr",
                "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin",
                "/bin", "--proc", "/proc", "--dev", "/dev", "--",
            ] + SandboxPlan.dropPrivileges(["/usr/bin/true"])
        do {
            let result = try await run(
                .path(FilePath(initPath)), arguments: Arguments(arguments), input: .none,
                output: .discarded, error: .string(limit: 4096))
            guard case .exited(0) = result.terminationStatus else {
                let reason = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(
                    NimbusError(.internalServerError, "bubblewrap cannot create a sandbox here: \(reason)"))
            }
        } catch {
            return .failure(NimbusError(.internalServerError, "cannot run bubblewrap: \(error)"))
        }
        cgroups.removeLeftovers()
        return .success(SandboxSetup(bubblewrapPath: bubblewrapPath, cgroups: cgroups))
    }

    /// The arguments for nimbus-init (before its `--`) and the command it runs, for one instance.
    func launch(
        plan: SandboxPlan, cgroup: InstanceCgroup, codeDirectory: String, shimDirectory: String, program: [String],
        relay: (hostPort: Int, instancePort: Int)?
    ) -> (initOptions: [String], command: [String]) {
        var options: [String] = []
        if let relay { options += ["--relay", "\(relay.hostPort):\(relay.instancePort)"] }
        for file in cgroup.procsFiles { options += ["--cgroup-procs", file] }
        options += ["--rlimit-nofile", String(plan.limits.openFiles)]
        let command =
            [bubblewrapPath]
            + plan.bubblewrapArguments(codeDirectory: codeDirectory, shimDirectory: shimDirectory) + ["--"]
            + SandboxPlan.dropPrivileges(program)
        return (options, command)
    }
}
