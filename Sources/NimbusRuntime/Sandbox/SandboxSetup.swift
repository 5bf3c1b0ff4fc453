import Crypto
import Foundation
import NimbusCore

/// What confines instances on this host: bubblewrap, a writable cgroup hierarchy, and pasta for the
/// internet access of instances in their own network namespaces.
package struct SandboxSetup: Sendable {
    package let bubblewrapPath: String
    package let pastaPath: String
    package let cgroups: Cgroups

    package init(bubblewrapPath: String, pastaPath: String, cgroups: Cgroups) {
        self.bubblewrapPath = bubblewrapPath
        self.pastaPath = pastaPath
        self.cgroups = cgroups
    }

    /// The cgroup folder of the Nimbus using `dataDirectory`: one per data dir, so two servers on one
    /// host never touch each other's instances.
    package static func cgroupGroup(dataDirectory: String) -> String {
        let digest = SHA256.hash(data: Data(dataDirectory.utf8)).prefix(6).map { String(format: "%02x", $0) }
        return "nimbus-" + digest.joined()
    }

    /// The arguments for nimbus-init (before its `--`) and the command it runs, for one instance: in a
    /// network namespace of its own (pasta gives it a way out unless its service says no internet
    /// access), reached through nimbus-init's relay from `relay.hostPort` on the host's loopback.
    func launch(
        plan: SandboxPlan, cgroup: InstanceCgroup, codeDirectory: String, shimDirectory: String, program: [String],
        relay: (hostPort: Int, instancePort: Int)?
    ) -> (initOptions: [String], command: [String]) {
        var options = ["--new-netns"]
        if plan.internetAccess { options += ["--egress", pastaPath] }
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
