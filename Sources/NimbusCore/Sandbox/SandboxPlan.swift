/// How an instance is confined: the limits derived from its function and the bubblewrap command
/// line that gives it its own view of the system. Pure: the runtime carries it out.
package struct SandboxPlan: Sendable, Equatable {
    /// Where the instance finds things inside the sandbox (FC's `/code`).
    package static let codePath = "/code"
    package static let shimPath = "/opt/nimbus"
    /// The unprivileged user instances run as (nobody).
    package static let userID = 65534
    package static let groupID = 65534
    /// util-linux's setpriv, which drops the privileges inside the sandbox.
    package static let setprivPath = "/usr/bin/setpriv"
    /// Commands FC's images have that a host may not: `python` (FC's images name python3 so too). Last
    /// on the instance's PATH, so a host's own `python` wins.
    package static let extraBinPath = "/opt/nimbus-bin"
    /// The instance's PATH, inside the sandbox and out.
    package static let path = "/usr/local/bin:/usr/bin:/bin:" + extraBinPath

    package struct Limits: Sendable, Equatable {
        package var memoryBytes: Int
        /// Relative CPU weight under contention, proportional to memory as FC allots CPU.
        package var cpuShares: Int
        package var pids: Int
        package var openFiles: Int
        package var tmpBytes: Int
    }

    package var limits: Limits
    /// Whether the instance's network namespace (every sandboxed instance has its own) has a way out.
    package var internetAccess: Bool

    package init(spec: FunctionSpec, service: ServiceSpec) {
        let memoryMB = spec.memorySize ?? 128
        let disk = spec.diskSize ?? 512
        limits = Limits(
            memoryBytes: memoryMB << 20, cpuShares: max(2, memoryMB), pids: 1024, openFiles: 1024,
            tmpBytes: disk << 20)
        internetAccess = service.internetAccess != false
    }

    /// bubblewrap's arguments: the system read-only, the code at `/code`, a private sized `/tmp`,
    /// new PID/IPC/UTS namespaces, nothing of the host's data. The network namespace is nimbus-init's
    /// (`--new-netns`), made before bubblewrap runs so that pasta can be attached to it first.
    package func bubblewrapArguments(codeDirectory: String, shimDirectory: String) -> [String] {
        var arguments = [
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "nimbus", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/sbin", "/sbin",
            "--perms", "0755", "--dir", "/etc",
            "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
            "--ro-bind-try", "/etc/ssl", "/etc/ssl", "--ro-bind-try", "/etc/ca-certificates", "/etc/ca-certificates",
            "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf", "--ro-bind-try", "/etc/hosts", "/etc/hosts",
            "--ro-bind-try", "/etc/nsswitch.conf", "/etc/nsswitch.conf",
            "--ro-bind-try", "/etc/localtime", "/etc/localtime", "--ro-bind-try", "/etc/passwd", "/etc/passwd",
            "--ro-bind-try", "/etc/group", "/etc/group",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", String(limits.tmpBytes), "--tmpfs", "/tmp",
            "--ro-bind", codeDirectory, SandboxPlan.codePath,
            "--perms", "0755", "--dir", "/opt", "--ro-bind", shimDirectory, SandboxPlan.shimPath,
            "--dir", SandboxPlan.extraBinPath, "--symlink", "/usr/bin/python3", SandboxPlan.extraBinPath + "/python",
            "--chdir", SandboxPlan.codePath,
        ]
        return arguments
    }

    /// Runs inside the sandbox, after the mounts: becomes the unprivileged user with no capabilities
    /// and no way to gain privileges (bubblewrap itself runs as root so it can mount any code folder).
    package static func dropPrivileges(_ program: [String]) -> [String] {
        [
            setprivPath, "--reuid", String(userID), "--regid", String(groupID), "--clear-groups",
            "--no-new-privs", "--bounding-set", "-all", "--inh-caps", "-all", "--",
        ] + program
    }
}
