import Foundation
import Yams

/// Finds and reads a project's manifest: `s.yaml` / `s.yml` (Serverless Devs) or `template.yml` /
/// `template.yaml` (Funcraft), in that order.
package enum ManifestLoader {
    package static let names = ["s.yaml", "s.yml", "template.yml", "template.yaml"]

    package static func load(directory: URL, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Manifest
    {
        guard
            let name = names.first(where: {
                FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
            })
        else {
            throw ManifestErrors(problems: [
                ManifestDiagnostic(
                    file: directory.path, line: 0, column: 0,
                    message: "no manifest here: expected one of \(names.joined(separator: ", "))")
            ])
        }
        let url = directory.appendingPathComponent(name)
        return try parse(
            String(contentsOf: url, encoding: .utf8), file: url.path, directory: directory, environment: environment)
    }

    package static func parse(_ text: String, file: String, directory: URL, environment: [String: String]) throws
        -> Manifest
    {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ManifestErrors(problems: [
                    ManifestDiagnostic(file: file, line: 1, column: 1, message: "the manifest is empty")
                ])
            }
            root = node
        } catch let error as YamlError {
            throw ManifestErrors(problems: [
                ManifestDiagnostic(file: file, line: 1, column: 1, message: "not valid YAML: \(error)")
            ])
        }
        if root["Resources"] != nil || root["ROSTemplateFormatVersion"] != nil {
            return try FuncraftManifest.read(root, file: file, directory: directory, environment: environment)
        }
        if root["resources"] != nil {
            return try ServerlessDevs3Manifest.read(root, file: file, directory: directory, environment: environment)
        }
        return try ServerlessDevsManifest.read(root, file: file, directory: directory, environment: environment)
    }
}
