import Crypto
import Foundation
import Logging
import NimbusCore

/// What confines instances on this host: bubblewrap, a writable cgroup hierarchy, and pasta for the
/// internet access of instances in their own network namespaces.
package struct SandboxSetup: Sendable {
    package let bubblewrapPath: String
    package let pastaPath: String
    package let cgroups: Cgroups
    /// Namespaces with internet access made ahead, so that pasta's start is not a cold-start cost.
    package let namespaces: NetworkNamespaces

    package init(bubblewrapPath: String, pastaPath: String, cgroups: Cgroups) {
        self.bubblewrapPath = bubblewrapPath
        self.pastaPath = pastaPath
        self.cgroups = cgroups
        self.namespaces = NetworkNamespaces(pastaPath: pastaPath)
    }

    /// The cgroup folder of the Nimbus using `dataDirectory`: one per data dir, so two servers on one
    /// host never touch each other's instances.
    package static func cgroupGroup(dataDirectory: String) -> String {
        let digest = SHA256.hash(data: Data(dataDirectory.utf8)).prefix(6).map { String(format: "%02x", $0) }
        return "nimbus-" + digest.joined()
    }

    /// How one instance is launched: the arguments for nimbus-init (before its `--`), the command it
    /// runs, and the namespace the instance joins. Each instance has a network namespace of its own:
    /// one made ahead with pasta for a way out, or (when its service says no internet access) a new
    /// one with only loopback, made by nimbus-init in half a millisecond. Nimbus reaches it through
    /// nimbus-init's relay from `relay.hostPort` on the host's loopback.
    func launch(
        plan: SandboxPlan, cgroup: InstanceCgroup, codeDirectory: String, shimDirectory: String, program: [String],
        relay: (hostPort: Int, instancePort: Int)?, configuration: RuntimeConfiguration, logger: Logger
    ) async throws(NimbusError) -> SandboxLaunch {
        var options = ["--new-netns"]
        var namespace: HeldNamespace?
        if plan.internetAccess {
            let held = try await namespaces.take(configuration: configuration, logger: logger)
            namespace = held
            options = ["--join-netns", held.path]
        }
        if let relay { options += ["--relay", "\(relay.hostPort):\(relay.instancePort)"] }
        for file in cgroup.procsFiles { options += ["--cgroup-procs", file] }
        options += ["--rlimit-nofile", String(plan.limits.openFiles)]
        let command =
            [bubblewrapPath]
            + plan.bubblewrapArguments(codeDirectory: codeDirectory, shimDirectory: shimDirectory) + ["--"]
            + SandboxPlan.dropPrivileges(program)
        return SandboxLaunch(initOptions: options, command: command, namespace: namespace)
    }
}

/// One sandboxed instance's launch; its owner releases `namespace` when the instance exits.
struct SandboxLaunch {
    var initOptions: [String]
    var command: [String]
    var namespace: HeldNamespace?
}
