import NimbusCore
import Testing

@Suite struct SandboxPlanTests {
    func plan(memory: Int = 256, disk: Int? = nil, internet: Bool? = nil) -> SandboxPlan {
        var spec = FunctionSpec()
        spec.memorySize = memory
        spec.diskSize = disk
        var service = ServiceSpec()
        service.internetAccess = internet
        return SandboxPlan(spec: spec, service: service)
    }

    @Test func limitsFollowTheFunction() {
        let limits = plan(memory: 512, disk: 10240).limits
        #expect(limits.memoryBytes == 512 << 20)
        #expect(limits.cpuShares == 512)
        #expect(limits.tmpBytes == 10240 << 20)
        #expect(plan().limits.tmpBytes == 512 << 20, "FC gives 512 MB of /tmp by default")
        #expect(plan().limits.pids > 0 && plan().limits.openFiles > 0)
    }

    @Test func theSandboxShowsOnlyCodeShimsAndTheSystem() {
        let arguments = plan().bubblewrapArguments(codeDirectory: "/data/code/abc", shimDirectory: "/shims")
        let joined = arguments.joined(separator: " ")
        #expect(joined.contains("--ro-bind /data/code/abc /code"))
        #expect(joined.contains("--ro-bind /shims /opt/nimbus"))
        #expect(joined.contains("--ro-bind /usr /usr"))
        #expect(joined.contains("--size \(512 << 20) --tmpfs /tmp"))
        #expect(arguments.contains("--unshare-pid"))
        #expect(!arguments.contains("--bind"), "nothing of the host is writable")
        #expect(!joined.contains("/data/code/abc/") && !joined.contains(" /data "), "not the data dir itself")
    }

    @Test func onlyNoInternetAccessTakesTheWayOutAway() {
        #expect(plan().internetAccess)
        #expect(!plan(internet: false).internetAccess)
        // The namespace is nimbus-init's (made before bubblewrap, so pasta can attach first), never bubblewrap's.
        #expect(
            !plan(internet: false).bubblewrapArguments(codeDirectory: "/c", shimDirectory: "/s").contains(
                "--unshare-net"))
    }

    @Test func privilegesAreDroppedBeforeTheProgram() {
        let command = SandboxPlan.dropPrivileges(["/usr/bin/python3", "x.py"])
        #expect(command.first == "/usr/bin/setpriv")
        #expect(command.contains("--no-new-privs"))
        #expect(Array(command.suffix(2)) == ["/usr/bin/python3", "x.py"])
        #expect(command.contains("65534"))
    }
}
