import Foundation
import NimbusCore
import NimbusRuntime
import Testing

/// The start-up trial instance, through the real launch path (nimbus-init built beside the tests).
@Suite(.serialized) struct LaunchCheckTests {
    /// A sandbox with a cgroup folder of its own, on hosts that can build one: root, bubblewrap, cgroups.
    static func sandboxed(
        group: String = "nimbus-check-test-\(UUID().uuidString.prefix(8))", pasta: String = "/usr/bin/pasta"
    ) -> (RuntimeConfiguration, Cgroups)? {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap"),
            let cgroups = Cgroups.detect(group: group)
        else { return nil }
        var configuration = RuntimeConfiguration()
        configuration.sandbox = SandboxSetup(bubblewrapPath: "/usr/bin/bwrap", pastaPath: pasta, cgroups: cgroups)
        return (configuration, cgroups)
    }

    static var canSandbox: Bool {
        guard let (_, cgroups) = sandboxed() else { return false }
        cgroups.removeRoot()
        return true
    }

    /// Instance cgroups (`i-*`) in the group's folders, whichever hierarchy the host has.
    static func instanceCgroups(group: String) -> [String] {
        ["memory", "pids", "cpu", "", "unified"].flatMap { controller in
            let folder = "/sys/fs/cgroup/\(controller)/\(group)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.hasPrefix("i-") }
        }
    }

    @Test func aTrialInstanceRunsUnsandboxed() async throws {
        try await LaunchCheck.run(RuntimeConfiguration())
    }

    @Test func aFailingTrialSaysHowItEnded() async {
        await #expect {
            try await LaunchCheck.run(RuntimeConfiguration(), program: ["/bin/sh", "-c", "echo broken; exit 3"])
        } throws: { error in
            let message = (error as? NimbusError)?.message ?? ""
            return message.contains("exited with status 3: broken") && !message.contains("\n")
        }
    }

    @Test func aMissingNimbusInitFailsTheTrial() async {
        await #expect {
            try await LaunchCheck.run(RuntimeConfiguration(initPath: "/nonexistent/nimbus-init"))
        } throws: { error in
            (error as? NimbusError)?.message.contains("cannot start the instance") == true
        }
    }

    @Test(.enabled(if: canSandbox)) func aSandboxedTrialRunsAndLeavesNoCgroup() async throws {
        let group = "nimbus-check-test-\(UUID().uuidString.prefix(8))"
        let (configuration, cgroups) = try #require(Self.sandboxed(group: group))
        defer { cgroups.removeRoot() }
        try await LaunchCheck.run(configuration)
        #expect(Self.instanceCgroups(group: group) == [])
    }

    /// What went wrong inside the sandbox reaches the message (here setpriv's own words).
    @Test(.enabled(if: canSandbox)) func aSandboxedTrialReportsWhatTheSandboxSaid() async throws {
        let (configuration, cgroups) = try #require(Self.sandboxed())
        defer { cgroups.removeRoot() }
        await #expect {
            try await LaunchCheck.run(configuration, program: ["/nonexistent/program"])
        } throws: { error in
            let message = (error as? NimbusError)?.message ?? ""
            return message.contains("exited with status") && message.contains("/nonexistent/program")
        }
    }

    /// The trial gives its instance internet access the way every instance gets it: without pasta, it fails.
    @Test(.enabled(if: canSandbox)) func aSandboxedTrialWithoutPastaSaysSo() async throws {
        let (configuration, cgroups) = try #require(Self.sandboxed(pasta: "/nonexistent/pasta"))
        defer { cgroups.removeRoot() }
        await #expect {
            try await LaunchCheck.run(configuration)
        } throws: { error in
            (error as? NimbusError)?.message.contains("cannot run /nonexistent/pasta for internet access") == true
        }
    }

    /// It runs at every start: it must stay far below a second (it takes milliseconds).
    @Test func theTrialIsQuick() async throws {
        let configuration = Self.sandboxed()?.0 ?? RuntimeConfiguration()
        defer { configuration.sandbox?.cgroups.removeRoot() }
        let clock = ContinuousClock()
        var durations: [Duration] = []
        for _ in 0..<10 {
            let began = clock.now
            try await LaunchCheck.run(configuration)
            durations.append(clock.now - began)
        }
        let median = durations.sorted()[durations.count / 2]
        print("trial instance (\(configuration.sandbox == nil ? "unsandboxed" : "sandboxed")): median \(median)")
        #expect(median < .seconds(1))
    }
}
