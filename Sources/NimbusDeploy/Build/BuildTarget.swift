import Foundation
import NimbusCore

/// One function whose code folder names dependencies to install before it is packaged.
package struct BuildTarget: Sendable, Equatable {
    /// The package manager a runtime's dependency file belongs to.
    package enum Ecosystem: String, Sendable {
        case python, node

        /// The file that asks for a build, read from the code folder.
        package var manifestFile: String { self == .python ? "requirements.txt" : "package.json" }
        /// The files whose bytes decide whether installed dependencies are still good.
        package var keyFiles: [String] {
            self == .python ? ["requirements.txt"] : ["package.json", "package-lock.json"]
        }

        /// python2.7, python3, python3.9 ... run on the python interpreter; nodejs12 ... nodejs20 on node.
        init?(runtime: String) {
            let name = runtime.lowercased()
            if name.hasPrefix("python") {
                self = .python
            } else if name.hasPrefix("nodejs") {
                self = .node
            } else {
                return nil
            }
        }
    }

    package var service: String
    package var function: String
    package var ecosystem: Ecosystem
    /// The function's code folder as the manifest names it (absolute).
    package var source: URL
    /// `.nimbus/build/<service>/<function>` beside the manifest.
    package var directory: URL

    /// `service/function`, as the deploy plan names it.
    package var name: String { service + "/" + function }
    /// The cache key of the installed dependencies in `dependencies`.
    package var keyFile: URL { directory.appendingPathComponent("key") }
    /// pip's `--target`, or the folder npm installs in (its `node_modules` is what gets packaged).
    package var dependencies: URL { directory.appendingPathComponent("dependencies") }
    /// What gets zipped: the code folder's files plus the dependencies.
    package var output: URL { directory.appendingPathComponent("code") }

    /// The functions of `manifest` that need a build: a python runtime with a requirements.txt, a nodejs
    /// runtime with a package.json, or a custom runtime with either, in a code folder (a zip is deployed
    /// as it is). A custom runtime's Python packages land in its code folder, `/code`, its working
    /// directory, where `python3 -m uvicorn` and the like find them.
    package static func targets(in manifest: Manifest, fileExists: (String) -> Bool) -> [BuildTarget] {
        let root = URL(fileURLWithPath: manifest.file).deletingLastPathComponent()
        var targets: [BuildTarget] = []
        for service in manifest.services {
            for function in service.functions where !function.codeUri.hasSuffix(".zip") {
                guard let runtime = function.fields["runtime"]?.stringValue else { continue }
                let source = URL(fileURLWithPath: function.codeUri)
                let has = { (ecosystem: Ecosystem) in
                    fileExists(source.appendingPathComponent(ecosystem.manifestFile).path)
                }
                // A custom runtime (a web app started by its own command) is built by the file it has.
                let candidates: [Ecosystem] =
                    runtime.lowercased().hasPrefix("custom")
                    ? [.python, .node] : Ecosystem(runtime: runtime).map { [$0] } ?? []
                guard let ecosystem = candidates.first(where: has) else { continue }
                let directory = root.appendingPathComponent(".nimbus/build/\(service.name)/\(function.name)")
                targets.append(
                    BuildTarget(
                        service: service.name, function: function.name, ecosystem: ecosystem, source: source,
                        directory: directory))
            }
        }
        return targets
    }
}

extension Manifest {
    /// The manifest with each built function's code folder replaced by its build output.
    package func deploying(_ built: [BuildTarget]) -> Manifest {
        var copy = self
        for target in built {
            guard let s = copy.services.firstIndex(where: { $0.name == target.service }),
                let f = copy.services[s].functions.firstIndex(where: { $0.name == target.function })
            else { continue }
            copy.services[s].functions[f].codeUri = target.output.path
        }
        return copy
    }
}
