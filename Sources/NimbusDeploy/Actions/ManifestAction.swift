import Foundation
import Yams

/// A command a project runs around its deploy: Serverless Devs' `actions` (`pre-deploy`, `post-deploy`),
/// each `run` in its `path` (the project's folder when absent), in the order written.
package struct ManifestAction: Sendable, Equatable {
    package enum Phase: String, Sendable, CaseIterable {
        case preDeploy = "pre-deploy"
        case postDeploy = "post-deploy"
    }

    package var phase: Phase
    /// The resource (or `project`) the action belongs to, for messages.
    package var resource: String
    package var command: String
    /// Absolute.
    package var directory: String

    package init(phase: Phase, resource: String, command: String, directory: String) {
        self.phase = phase
        self.resource = resource
        self.command = command
        self.directory = directory
    }
}

/// Reads an `actions` mapping, as both s.yaml editions write it.
enum ActionsReader {
    /// Hooks of commands Nimbus has no counterpart for: said, not run.
    static let otherHooks: Set<String> = ["pre-remove", "post-remove", "pre-build", "post-build", "success", "fail"]

    static func read(
        _ node: Node?, resource: String, context: String, directory: URL, into manifest: inout Manifest,
        cursor: inout YAMLCursor
    ) {
        guard let node else { return }
        cursor.checkKeys(
            node, known: Set(ManifestAction.Phase.allCases.map(\.rawValue)).union(otherHooks), context: context)
        for hook in otherHooks where node[hook] != nil {
            cursor.warn(
                node[hook], "\(context).\(hook) is not run by Nimbus (nimbus deploy runs pre-deploy and post-deploy)")
        }
        for phase in ManifestAction.Phase.allCases {
            for entry in node[phase.rawValue]?.sequence ?? [] {
                let where_ = "\(context).\(phase.rawValue)"
                cursor.checkKeys(entry, known: ["run", "path", "component", "plugin", "args"], context: where_)
                guard let command = cursor.string(entry["run"]) else {
                    cursor.warn(
                        entry, "\(where_): only `run` actions are run by Nimbus (components and plugins are skipped)")
                    continue
                }
                let path = cursor.string(entry["path"]) ?? "."
                manifest.actions.append(
                    ManifestAction(
                        phase: phase, resource: resource, command: command,
                        directory: directory.appendingPathComponent(path).standardizedFileURL.path))
            }
        }
    }
}
