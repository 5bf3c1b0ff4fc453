import Foundation
import NimbusCore
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// One instance's process tree: `nimbus-init` (whose standard input is Nimbus's lifeline) and the
/// program it runs. Its output (stdout and stderr merged) goes to `onOutput` as batches of whole lines
/// within the log budget, one batch per chunk read; `onExit` runs once.
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
        configuration: RuntimeConfiguration, budget: LogBudget?,
        onOutput: @escaping @Sendable (OutputIntake.Batch) async -> Void,
        onExit: @escaping @Sendable (Int32?) async -> Void
    ) async throws(NimbusError) -> InstanceProcess {
        let (pidStream, pidContinuation) = AsyncStream<Result<pid_t, NimbusError>>.makeStream()
        var options = PlatformOptions()
        options.createSession = true
        let environmentKeys = Dictionary(
            uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
        let graceMs = String(Int(configuration.stopGrace * 1000))
        // The process's own task: it lives as long as the program, past the call that started it, and
        // ends with its exit (onExit); the instance holds it.
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
                    var intake = OutputIntake(budget: budget)
                    for try await chunk in execution.standardOutput {
                        let batch = chunk.withUnsafeBytes { intake.take($0, at: .now) }
                        if !batch.lines.isEmpty || batch.dropped != nil { await onOutput(batch) }
                        if batch.pause > .zero { try await Task.sleep(for: batch.pause) }
                    }
                    let last = intake.finish(at: .now)
                    if !last.lines.isEmpty || last.dropped != nil { await onOutput(last) }
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

    /// Every line, unlimited: for Nimbus's own helper processes.
    static func launch(
        initOptions: [String] = [], arguments: [String], environment: [String: String], workingDirectory: String,
        configuration: RuntimeConfiguration,
        onLine: @escaping @Sendable (String) async -> Void,
        onExit: @escaping @Sendable (Int32?) async -> Void
    ) async throws(NimbusError) -> InstanceProcess {
        try await launch(
            initOptions: initOptions, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, configuration: configuration, budget: nil,
            onOutput: { batch in for line in batch.lines { await onLine(line) } }, onExit: onExit)
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
