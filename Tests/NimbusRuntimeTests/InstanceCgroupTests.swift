import Foundation
import NimbusCore
import NimbusRuntime
import Testing

/// An instance's cgroup, on the host's real hierarchy (root only).
@Suite(.serialized) struct InstanceCgroupTests {
    static var limits: SandboxPlan.Limits {
        var spec = FunctionSpec()
        spec.memorySize = 32
        return SandboxPlan(spec: spec, service: ServiceSpec()).limits
    }

    /// A call's out-of-memory is read after its instance's exit, and the exit removes the cgroup:
    /// the OOM kill and the peak must still read as they were (they read 0 before, and an OOM kill
    /// was reported as a crash with 0 MB).
    @Test(.enabled(if: LaunchCheckTests.canSandbox)) func anOOMKillIsStillCountedAfterTheCgroupIsRemoved()
        async throws
    {
        let cgroups = try #require(Cgroups.detect(group: "nimbus-cgroup-test-\(UUID().uuidString.prefix(8))"))
        defer { cgroups.removeRoot() }
        let cgroup = try cgroups.create("i-oom-test", limits: Self.limits)
        let joins = cgroup.procsFiles.map { "echo $$ > \($0)" }.joined(separator: "; ")
        let hog = Process()
        hog.executableURL = URL(fileURLWithPath: "/bin/sh")
        hog.arguments = ["-c", "\(joins); exec /usr/bin/python3 -S -c 'x = bytearray(200 << 20)'"]
        try hog.run()
        hog.waitUntilExit()
        #expect(hog.terminationReason == .uncaughtSignal && hog.terminationStatus == SIGKILL)
        #expect(cgroup.oomKills() == 1)
        #expect(await cgroup.removeWhenEmpty())
        #expect(cgroup.oomKills() == 1, "the count is lost with the folder")
        #expect((cgroup.peakMemoryBytes() ?? 0) > 16 << 20, "the peak is lost with the folder")
    }
}
