import Foundation

/// A command line that installs a function's dependencies, or asks an interpreter its version. Pure, so
/// the exact flags are tested without running pip or npm.
package struct InstallCommand: Sendable, Equatable {
    /// Absolute path of the program.
    package var executable: String
    package var arguments: [String]
    package var workingDirectory: String
    /// Variables set on top of the CLI's own environment.
    package var environment: [String: String] = [:]

    /// `python -m pip install -r requirements.txt --target DIR`, run in the code folder because pip reads a
    /// requirement's relative path (`./localpkg`, `./wheels/x.whl`) from the working directory.
    /// Wheels are preferred, so a package with native code comes built for this interpreter's ABI; no .pyc
    /// is written because the packager leaves `__pycache__` out anyway.
    package static func pip(python: String, source: URL, into target: URL) -> InstallCommand {
        InstallCommand(
            executable: python,
            arguments: [
                "-m", "pip", "install", "-r", source.appendingPathComponent("requirements.txt").path,
                "--target", target.path, "--prefer-binary", "--no-input", "--disable-pip-version-check",
                "--no-compile",
            ],
            workingDirectory: source.path)
    }

    /// `npm install --omit=dev` in the staging folder that holds the function's package.json. `file:`
    /// dependencies are copied in (`--install-links`), not symlinked, and no `.bin` links are made: the
    /// packager zips regular files only. The node named for the runtime comes first on PATH, so npm and
    /// any native addon's build run on it.
    package static func npm(npm: String, node: String, in staging: URL, path: String) -> InstallCommand {
        let nodeDirectory = URL(fileURLWithPath: node).deletingLastPathComponent().path
        return InstallCommand(
            executable: npm,
            arguments: [
                "install", "--omit=dev", "--install-links", "--no-bin-links", "--no-audit", "--no-fund",
                "--no-update-notifier",
            ],
            workingDirectory: staging.path, environment: ["PATH": nodeDirectory + ":" + path])
    }

    /// The interpreter's own account of itself, part of the cache key.
    package static func version(of interpreter: String, ecosystem: BuildTarget.Ecosystem) -> InstallCommand {
        InstallCommand(
            executable: interpreter, arguments: [ecosystem == .python ? "-VV" : "--version"],
            workingDirectory: "/")
    }

    /// The first `npm` beside the runtime's node, else on PATH.
    package static func findNPM(node: String, path: String, isExecutable: (String) -> Bool) -> String? {
        let directories =
            [URL(fileURLWithPath: node).deletingLastPathComponent().path]
            + path.split(separator: ":").map(String.init)
        return directories.map { $0 + "/npm" }.first(where: isExecutable)
    }
}
