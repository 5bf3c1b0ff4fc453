import Foundation
import Subprocess

/// Runs a project's actions as Serverless Devs does: `/bin/sh -c` in the action's folder, in order; the
/// first that fails stops the deploy with its output. Nimbus's own settings (`NIMBUS_*`: the endpoint and
/// the key pair) are not passed to them; the rest of the caller's environment is.
package struct ActionRunner: Sendable {
    /// The most of an action's output kept (its tail goes into a failure's message).
    static let outputLimit = 1 << 20
    static let deadline = Duration.seconds(20 * 60)

    package init() {}

    /// Runs each action of `phase`; `started` hears of each before it runs, `output` gets what it printed.
    package func run(
        _ actions: [ManifestAction], phase: ManifestAction.Phase, started: (ManifestAction) -> Void,
        output: (String) -> Void
    ) async throws {
        for action in actions where action.phase == phase {
            started(action)
            let (status, text) = try await run(action)
            output(text)
            guard case .exited(0) = status else {
                let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(20)
                    .joined(separator: "\n")
                throw Deployer.Failure(
                    description: "\(phase.rawValue) action of \(action.resource) failed (\(status)): "
                        + "\(action.command)\n\(tail)")
            }
        }
    }

    func run(_ action: ManifestAction) async throws -> (TerminationStatus, String) {
        var removed: [Environment.Key: String?] = [:]
        for name in ProcessInfo.processInfo.environment.keys where name.hasPrefix("NIMBUS_") {
            removed[Environment.Key(stringLiteral: name)] = String?.none
        }
        let environment = Environment.inherit.updating(removed)
        guard FileManager.default.fileExists(atPath: action.directory) else {
            throw Deployer.Failure(
                description: "\(action.phase.rawValue) action of \(action.resource): its path \(action.directory) "
                    + "does not exist")
        }
        do {
            guard
                let finished = try await BoundedProcess.run(
                    "/bin/sh", ["-c", action.command], environment: environment, in: action.directory,
                    deadline: Self.deadline, outputLimit: Self.outputLimit)
            else {
                throw Deployer.Failure(
                    description: "\(action.phase.rawValue) action of \(action.resource) ran past "
                        + "\(Self.deadline): \(action.command)")
            }
            return finished
        } catch let error as SubprocessError {
            throw Deployer.Failure(description: "cannot run /bin/sh for \(action.command): \(error)")
        }
    }
}
