import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A program run to its end or a deadline, its stdout and stderr together: how builds and actions run.
enum BoundedProcess {
    /// nil when the deadline came first (the program is killed with the task).
    static func run(
        _ executable: String, _ arguments: [String], environment: Environment, in directory: String,
        deadline: Duration, outputLimit: Int
    ) async throws -> (TerminationStatus, String)? {
        try await withThrowingTaskGroup(of: (TerminationStatus, String)?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments), environment: environment,
                    workingDirectory: FilePath(directory), output: .string(limit: outputLimit),
                    error: .combinedWithOutput)
                return (result.terminationStatus, result.standardOutput)
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
