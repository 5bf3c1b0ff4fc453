import Foundation
import Logging
import NimbusCore
import Synchronization

/// The start-up self-check: one trial instance launched the way every instance is, through
/// ``InstanceProcess`` (nimbus-init) and, when sandboxed, ``Cgroups/create(_:limits:)`` and
/// ``SandboxSetup/launch(plan:cgroup:codeDirectory:shimDirectory:program:relay:configuration:logger:)``
/// (its cgroup with limits, its network namespace with pasta, bubblewrap, setpriv), running a program that exits at once. A host that fails it
/// would fail every invocation, so Nimbus refuses to start instead.
package enum LaunchCheck {
    /// How long the trial may take; it takes a few milliseconds, the first bubblewrap after a boot longer.
    static let timeout: Duration = .seconds(10)

    /// Runs the trial; throws what went wrong, with what the trial printed.
    package static func run(
        _ configuration: RuntimeConfiguration, program: [String] = ["/usr/bin/true"]
    ) async throws(NimbusError) {
        var cgroup: InstanceCgroup?
        let result: Result<Void, NimbusError>
        do throws(NimbusError) {
            try await trial(configuration, program: program, cgroup: &cgroup)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        // The sandbox's last processes (bubblewrap, the namespace holder) may still be dying:
        // the folder goes once they are gone, as an instance's does.
        if let cgroup {
            cgroup.killAll()
            guard await cgroup.removeWhenEmpty() else {
                throw NimbusError(
                    .internalServerError, "the trial instance's cgroup could not be removed: processes still in it")
            }
        }
        try result.get()
    }

    static func trial(
        _ configuration: RuntimeConfiguration, program: [String], cgroup: inout InstanceCgroup?
    ) async throws(NimbusError) {
        let code = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-check-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: code, withIntermediateDirectories: true)
        } catch {
            throw NimbusError(.internalServerError, "cannot create \(code.path) for a trial instance: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: code) }  // an empty folder in the temporary directory
        var initOptions: [String] = []
        var arguments = program
        var namespace: HeldNamespace?
        if let sandbox = configuration.sandbox {
            let plan = SandboxPlan(spec: FunctionSpec().withDefaults(), service: ServiceSpec().withDefaults())
            let created = try sandbox.cgroups.create(
                "i-check-\(ProcessInfo.processInfo.processIdentifier)", limits: plan.limits)
            cgroup = created
            let launch = try await sandbox.launch(
                plan: plan, cgroup: created, codeDirectory: code.path, shimDirectory: LaunchCommand.shimRoot,
                program: program, relay: nil, configuration: configuration, logger: Logger(label: "nimbus.launch-check")
            )
            (initOptions, arguments, namespace) = (launch.initOptions, launch.command, launch.namespace)
        }
        defer { namespace?.release() }
        let output = Mutex<[String]>([])
        let status = Mutex<Int32?>(nil)
        let process = try await InstanceProcess.launch(
            initOptions: initOptions, arguments: arguments, environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: code.path, configuration: configuration,
            onLine: { line in output.withLock { $0.append(line) } },
            onExit: { exitStatus in status.withLock { $0 = exitStatus } })
        // What the trial printed, on the same line: the caller's message stays one line.
        let said = {
            let lines = output.withLock { $0 }.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
            return lines.isEmpty ? "" : ": " + lines.joined(separator: " / ")
        }
        guard await finishes(process) else {
            throw NimbusError(.internalServerError, "a trial instance did not exit within \(timeout)\(said())")
        }
        let exitStatus = status.withLock { $0 }
        guard exitStatus == 0 else {
            throw NimbusError(
                .internalServerError,
                "a trial instance (\(program.joined(separator: " "))) exited with status "
                    + "\(exitStatus.map(String.init) ?? "unknown")\(said())")
        }
    }

    /// Waits for the trial's exit; kills it (nimbus-init, and so the sandbox) past the timeout.
    static func finishes(_ process: InstanceProcess) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await process.waitForExit()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let exited = await group.next() ?? false
            if !exited { kill(process.pid, SIGKILL) }
            group.cancelAll()
            return exited
        }
    }
}
