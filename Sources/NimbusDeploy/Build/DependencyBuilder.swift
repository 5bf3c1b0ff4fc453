import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Installs the dependencies a function's code folder names, or reuses the last install when its
/// ``BuildKey`` is unchanged, and lays out the folder that is deployed instead of the code folder.
package struct DependencyBuilder: Sendable {
    /// The interpreter the python runtimes run (the server's `NIMBUS_PYTHON`).
    package var python: String
    /// The node the nodejs runtimes run (the server's `NIMBUS_NODE`).
    package var node: String
    /// Install again even when the key is unchanged (a `file:` dependency's own content is not in it).
    package var force = false
    /// The PATH npm is looked up on.
    package var path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    /// A pip or npm that runs longer than this is stopped: a hung download must not hang the deploy.
    static let deadline = Duration.seconds(20 * 60)
    static let outputLimit = 32 << 20

    package init(python: String, node: String, force: Bool = false) {
        self.python = python
        self.node = node
        self.force = force
    }

    package struct Result: Sendable {
        package var target: BuildTarget
        /// True when the installed dependencies were reused and pip or npm did not run.
        package var cached: Bool
        package var seconds: Double
    }

    /// `installing` is called before pip or npm runs (not on a cache hit), to say that this takes a while.
    package func build(_ target: BuildTarget, installing: () -> Void = {}) async throws -> Result {
        let started = ContinuousClock.now
        let key = try await key(for: target)
        let cached = try !force && installed(target) == key
        if !cached {
            installing()
            try await install(target, key: key)
        }
        try BuildOutput.assemble(target)
        let elapsed = (ContinuousClock.now - started).components
        return Result(
            target: target, cached: cached,
            seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }

    package func key(for target: BuildTarget) async throws -> String {
        let interpreter = target.ecosystem == .python ? python : node
        let (status, output) = try await run(.version(of: interpreter, ecosystem: target.ecosystem), for: target)
        guard status == .exited(0) else {
            throw Deployer.Failure(
                description: "cannot build \(target.name): \(interpreter) --version failed: \(output)")
        }
        var files: [String: Data] = [:]
        for name in target.ecosystem.keyFiles {
            let url = target.source.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { files[name] = try Data(contentsOf: url) }
        }
        let version = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return BuildKey(ecosystem: target.ecosystem, interpreter: interpreter + " " + version, files: files)
            .description
    }

    /// The key of the dependencies installed now, nil when there are none.
    func installed(_ target: BuildTarget) throws -> String? {
        let files = FileManager.default
        guard files.fileExists(atPath: target.keyFile.path), files.fileExists(atPath: target.dependencies.path)
        else { return nil }
        return try String(contentsOf: target.keyFile, encoding: .utf8)
    }

    /// Installs into a fresh folder and puts it in place only when the install succeeded, the key last:
    /// an interrupted build leaves no key, so the next one starts over.
    func install(_ target: BuildTarget, key: String) async throws {
        let files = FileManager.default
        if files.fileExists(atPath: target.keyFile.path) { try files.removeItem(at: target.keyFile) }
        let staging = target.directory.appendingPathComponent("dependencies.partial")
        if files.fileExists(atPath: staging.path) { try files.removeItem(at: staging) }
        try files.createDirectory(at: staging, withIntermediateDirectories: true)
        let command = try prepare(target, in: staging)
        let (status, output) = try await run(command, for: target)
        guard status == .exited(0) else {
            let tool = target.ecosystem == .python ? "pip" : "npm"
            let problem = InstallOutput.problem(output, ecosystem: target.ecosystem, interpreter: python)
            throw Deployer.Failure(description: "cannot build \(target.name): \(tool) install failed:\n\(problem)")
        }
        if files.fileExists(atPath: target.dependencies.path) { try files.removeItem(at: target.dependencies) }
        try files.moveItem(at: staging, to: target.dependencies)
        try Data(key.utf8).write(to: target.keyFile, options: .atomic)
    }

    func prepare(_ target: BuildTarget, in staging: URL) throws -> InstallCommand {
        switch target.ecosystem {
        case .python:
            return .pip(python: python, source: target.source, into: staging)
        case .node:
            guard
                let npm = InstallCommand.findNPM(
                    node: node, path: path, isExecutable: FileManager.default.isExecutableFile)
            else {
                throw Deployer.Failure(
                    description: "cannot build \(target.name): npm is not installed (Debian: apt-get install npm)")
            }
            let packageJSON = try Data(contentsOf: target.source.appendingPathComponent("package.json"))
            try NodeStaging.packageJSON(packageJSON, source: target.source)
                .write(to: staging.appendingPathComponent("package.json"))
            let lock = target.source.appendingPathComponent("package-lock.json")
            if FileManager.default.fileExists(atPath: lock.path) {
                try NodeStaging.lockFile(Data(contentsOf: lock), source: target.source)
                    .write(to: staging.appendingPathComponent("package-lock.json"))
            }
            return .npm(npm: npm, node: node, in: staging, path: path)
        }
    }

    /// Runs `command` to its end or the deadline, its stdout and stderr together.
    func run(_ command: InstallCommand, for target: BuildTarget) async throws -> (TerminationStatus, String) {
        var overrides: [Environment.Key: String?] = [:]
        for (name, value) in command.environment { overrides[Environment.Key(stringLiteral: name)] = value }
        let environment = Environment.inherit.updating(overrides)
        do {
            guard
                let finished = try await BoundedProcess.run(
                    command.executable, command.arguments, environment: environment, in: command.workingDirectory,
                    deadline: Self.deadline, outputLimit: Self.outputLimit)
            else {
                throw Deployer.Failure(
                    description: "cannot build \(target.name): \(command.executable) ran past \(Self.deadline)")
            }
            return finished
        } catch let error as SubprocessError {
            throw Deployer.Failure(
                description: "cannot build \(target.name): cannot run \(command.executable): \(error)")
        }
    }
}
