import Foundation
import NimbusCore
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// One instance's process tree: `nimbus-init` (whose standard input is Nimbus's lifeline) and the
/// program it runs. Output lines (stdout and stderr merged) go to `onLine`; `onExit` runs once.
final class InstanceProcess: Sendable {
    let pid: pid_t
    private let task: Task<Void, Never>

    private init(pid: pid_t, task: Task<Void, Never>) {
        self.pid = pid
        self.task = task
    }

    /// Starts the process and returns once it is spawned.
    static func launch(
        initOptions: [String] = [], arguments: [String], environment: [String: String], workingDirectory: String,
        configuration: RuntimeConfiguration,
        onLine: @escaping @Sendable (String) async -> Void,
        onExit: @escaping @Sendable (Int32?) async -> Void
    ) async throws(NimbusError) -> InstanceProcess {
        let (pidStream, pidContinuation) = AsyncStream<Result<pid_t, NimbusError>>.makeStream()
        var options = PlatformOptions()
        options.createSession = true
        let environmentKeys = Dictionary(
            uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
        let graceMs = String(Int(configuration.stopGrace * 1000))
        let task = Task {
            var status: Int32?
            do {
                let result = try await run(
                    .path(FilePath(configuration.initPath)),
                    arguments: Arguments(["--grace-ms", graceMs] + initOptions + ["--"] + arguments),
                    environment: .custom(environmentKeys), workingDirectory: FilePath(workingDirectory),
                    platformOptions: options, input: .inputWriter, output: .sequence, error: .combinedWithOutput
                ) { execution in
                    pidContinuation.yield(.success(execution.processIdentifier.value))
                    pidContinuation.finish()
                    // The lifeline: never written, closed only when Nimbus exits or this body ends.
                    _ = execution.standardInputWriter
                    for try await line in execution.standardOutput.strings() {
                        await onLine(line)
                    }
                }
                if case .exited(let code) = result.terminationStatus { status = code }
                if case .signaled(let signal) = result.terminationStatus { status = 128 + signal }
            } catch {
                pidContinuation.yield(.failure(NimbusError(.instanceExited, "cannot start the instance: \(error)")))
                pidContinuation.finish()
            }
            await onExit(status)
        }
        for await outcome in pidStream {
            switch outcome {
            case .success(let pid): return InstanceProcess(pid: pid, task: task)
            case .failure(let error): throw error
            }
        }
        throw NimbusError(.instanceExited, "the instance process did not start")
    }

    /// SIGTERM: the program gets the grace period, then SIGKILL (done by nimbus-init).
    func terminate() { kill(pid, SIGTERM) }

    /// SIGINT to nimbus-init: the program's whole process group is killed at once.
    func killNow() { kill(pid, SIGINT) }

    /// Waits until the process has exited and its output is drained.
    func waitForExit() async { await task.value }

    /// Peak resident memory of the program (VmHWM), in MB; 0 when it can't be read.
    func peakMemoryMB() -> Double {
        guard let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8),
            let child = children.split(separator: " ").first,
            let status = try? String(contentsOfFile: "/proc/\(child)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
}
