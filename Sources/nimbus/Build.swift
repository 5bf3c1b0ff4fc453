import ArgumentParser
import Foundation
import NimbusDeploy

/// `nimbus build [DIR]`: installs the dependencies each function's code folder names, into
/// `.nimbus/build/<service>/<function>/` beside the manifest; `nimbus deploy` zips that folder.
struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install the functions' requirements.txt / package.json dependencies for deploying.",
        discussion: """
            For each function whose code folder has a requirements.txt (python
            runtimes) or a package.json (nodejs runtimes):
              PYTHON -m pip install -r requirements.txt --target ... --prefer-binary
              npm install --omit=dev
            into .nimbus/build/<service>/<function>/ beside the manifest, then lays
            out the code folder (less .fcignore) plus the dependencies in its code/
            folder, which `nimbus deploy` zips. The code folder is never written to.
            Unchanged requirements.txt / package.json / package-lock.json (and the
            same interpreter) reuse the installed dependencies: pip and npm do not
            run. `nimbus deploy` builds by itself.

            Examples:
              nimbus build myapp
              nimbus build --python /usr/bin/python3.12   as the server's NIMBUS_PYTHON
              nimbus build --force                        a file: dependency changed
            """)

    @Argument(help: "The project folder (default: the current one).")
    var directory = "."

    @OptionGroup var options: BuildOptions

    func run() async throws {
        let manifest = try Deploy.loadManifest(directory)
        do {
            let (_, results) = try await options.build(manifest, json: false)
            if results.isEmpty {
                Deploy.say(
                    "Nothing to build: no function's code folder has a requirements.txt (python) or package.json (nodejs)."
                )
            }
        } catch let failure as Deployer.Failure {
            FileHandle.standardError.write(Data("build failed: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The interpreters to build for, shared by `nimbus build` and `nimbus deploy`.
struct BuildOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The python3 runtime's interpreter; pip runs as PATH -m pip (NIMBUS_PYTHON; default /usr/bin/python3).",
            valueName: "path"))
    var python: String?

    @Option(
        help: ArgumentHelp(
            "The nodejs runtime's node; npm runs on it (NIMBUS_NODE; default /usr/bin/node).", valueName: "path"))
    var node: String?

    @Flag(help: "Install dependencies again even when nothing in the key changed.")
    var force = false

    /// The same defaults as the server's configuration, so the build is for the interpreter that runs it.
    func builder() -> DependencyBuilder {
        let environment = ProcessInfo.processInfo.environment
        return DependencyBuilder(
            python: python ?? environment["NIMBUS_PYTHON"] ?? "/usr/bin/python3",
            node: node ?? environment["NIMBUS_NODE"] ?? "/usr/bin/node", force: force)
    }

    /// Builds each function that needs it, saying what happened to each; answers the manifest to deploy.
    func build(_ manifest: Manifest, json: Bool) async throws -> (Manifest, [DependencyBuilder.Result]) {
        let builder = builder()
        var results: [DependencyBuilder.Result] = []
        let say: (String) -> Void = { json ? FileHandle.standardError.write(Data(($0 + "\n").utf8)) : Deploy.say($0) }
        for target in BuildTarget.targets(in: manifest, fileExists: FileManager.default.fileExists) {
            let result = try await builder.build(target) {
                let tool = target.ecosystem == .python ? "pip install -r requirements.txt" : "npm install --omit=dev"
                say("building \(target.name): \(tool) ...")
            }
            let how =
                result.cached
                ? "\(target.ecosystem.manifestFile) unchanged" : target.ecosystem == .python ? "pip" : "npm"
            say(
                "\(result.cached ? "cached" : "built") \(target.name) (\(how), "
                    + String(format: "%.2f s", result.seconds) + ") -> \(target.output.path)")
            results.append(result)
        }
        return (manifest.deploying(results.map(\.target)), results)
    }
}
