import Foundation
import Yams

/// What both s.yaml editions share: `vars`, each entry's keys, props and actions, and the file's own
/// `actions` and verdict at the end.
enum ServerlessDevsFile {
    /// The scalar `vars`, for `${vars.NAME}`.
    static func variables(_ root: Node) -> [String: String] {
        var variables: [String: String] = [:]
        for (key, value) in root["vars"]?.mapping ?? Node.Mapping([]) {
            if let name = key.string, let text = value.string { variables[name] = text }
        }
        return variables
    }

    /// An entry's props, after its keys are checked and its actions read; nil (the problem recorded) without.
    static func props(
        of entry: Node, resource: String, context: String, directory: URL, into manifest: inout Manifest,
        cursor: inout YAMLCursor
    ) -> Node? {
        cursor.checkKeys(entry, known: ["component", "props", "actions", "access"], context: context)
        guard let props = entry["props"] else {
            cursor.problem(entry, "\(context) needs props")
            return nil
        }
        ActionsReader.read(
            entry["actions"], resource: resource, context: "\(context).actions", directory: directory,
            into: &manifest, cursor: &cursor)
        return props
    }

    /// The file's own actions, its warnings, and every problem found, or the manifest.
    static func finish(_ manifest: Manifest, root: Node, directory: URL, cursor: YAMLCursor) throws -> Manifest {
        var manifest = manifest
        var cursor = cursor
        ActionsReader.read(
            root["actions"], resource: "project", context: "actions", directory: directory, into: &manifest,
            cursor: &cursor)
        manifest.warnings = cursor.warnings
        guard cursor.problems.isEmpty else { throw ManifestErrors(problems: cursor.problems) }
        return manifest
    }
}
