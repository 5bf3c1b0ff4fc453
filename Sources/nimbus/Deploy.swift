import ArgumentParser
import Foundation
import NimbusCore
import NimbusDeploy

/// `nimbus deploy [DIR]`: deploys the project whose manifest (s.yaml or template.yml) is in DIR.
struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a project from its s.yaml (Serverless Devs) or template.yml (Funcraft).",
        discussion: """
            Zips each function's codeUri (honouring .fcignore), compares with the server, prints the plan
            and applies it. Unchanged code is not uploaded again. A function whose code folder has a
            requirements.txt or package.json is built first (see `nimbus build`) and its build is deployed.

            Examples:
              nimbus deploy examples/catalog
              nimbus deploy --dry-run            show the plan only
              nimbus deploy --prune              also delete functions the manifest no longer names
              nimbus deploy --skip-build         deploy code folders as they are, installing nothing
              nimbus deploy --output json
            """)

    @Argument(help: "The project folder (default: the current one).")
    var directory = "."

    @Flag(help: "Show the plan without applying it.")
    var dryRun = false

    @Flag(help: "Delete functions of the manifest's services that the manifest does not name.")
    var prune = false

    @Option(help: "text (default) or json.")
    var output = "text"

    @Flag(help: "Keep watching the project and redeploy what changes (Ctrl-C stops).")
    var watch = false

    @Flag(help: "Deploy each code folder as it is: no pip or npm install for requirements.txt / package.json.")
    var skipBuild = false

    @Flag(help: "Do not run the manifest's pre-deploy and post-deploy actions.")
    var skipActions = false

    @OptionGroup var build: BuildOptions

    @OptionGroup var connection: Connection

    func run() async throws {
        try await deployOnce()
        guard watch, !dryRun else { return }
        let root = URL(fileURLWithPath: directory)
        var seen = ProjectSnapshot(root)
        Self.say("Watching \(directory) for changes (Ctrl-C stops).")
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let now = ProjectSnapshot(root)
            guard now != seen else { continue }
            do {
                try await deployOnce(quietPlan: true)
            } catch let exit as ExitCode where exit != .success {
                Self.say("(not deployed; fix the problem above and save again)")
            }
            // After the deploy: what its own actions wrote is not a save.
            seen = ProjectSnapshot(root)
        }
    }

    /// The project's manifest, or its problems on stderr and exit status 2.
    static func loadManifest(_ directory: String) throws -> Manifest {
        do {
            return try ManifestLoader.load(directory: URL(fileURLWithPath: directory))
        } catch let errors as ManifestErrors {
            FileHandle.standardError.write(Data("\(errors)\n".utf8))
            throw ExitCode(2)
        }
    }

    func deployOnce(quietPlan: Bool = false) async throws {
        var manifest = try Self.loadManifest(directory)
        let json = output == "json"
        for warning in manifest.warnings where !json {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let (client, endpoint) = try connection.clientAndEndpoint()
        let deployer = Deployer(client: client, endpoint: endpoint)
        do {
            if !skipActions { try await runActions(manifest, .preDeploy, json: json) }
            var builds: [DependencyBuilder.Result] = []
            if !skipBuild { (manifest, builds) = try await build.build(manifest, json: json) }
            let plan = try await deployer.plan(manifest, prune: prune)
            if !json && !quietPlan {
                Self.say("Plan for \((manifest.file as NSString).lastPathComponent) -> \(endpoint):")
                for step in plan.steps { Self.say("  " + Self.describe(step)) }
            }
            if !dryRun {
                try await deployer.apply(plan) { step in
                    if !json { Self.say("\(Self.present(step.action)) \(step.kind.rawValue) \(step.name)") }
                }
                if !skipActions { try await runActions(manifest, .postDeploy, json: json) }
            }
            let urls = deployer.urls(manifest)
            if json {
                Self.say(Self.json(plan, urls: urls, applied: !dryRun, warnings: manifest.warnings, builds: builds))
            } else {
                let counts = Dictionary(grouping: plan.steps, by: \.action).mapValues(\.count)
                let summary = [DeployPlan.Action.create, .update, .unchanged, .delete].compactMap { action in
                    counts[action].map { "\($0) \(action.rawValue == "unchanged" ? "unchanged" : Self.past(action))" }
                }
                Self.say(dryRun ? "Dry run: nothing applied." : "Deployed: " + summary.joined(separator: ", ") + ".")
                if !urls.isEmpty {
                    Self.say("URLs:")
                    for url in urls { Self.say("  " + url) }
                }
            }
        } catch let failure as Deployer.Failure {
            FileHandle.standardError.write(Data("deploy failed: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The manifest's actions of one phase; what they print goes to stdout (stderr under `--output json`).
    func runActions(_ manifest: Manifest, _ phase: ManifestAction.Phase, json: Bool) async throws {
        let tell = { (text: String) in
            let line = Data((text.hasSuffix("\n") || text.isEmpty ? text : text + "\n").utf8)
            (json ? FileHandle.standardError : FileHandle.standardOutput).write(line)
        }
        try await ActionRunner().run(manifest.actions, phase: phase) { action in
            tell("\(phase.rawValue) (\(action.resource)): \(action.command)")
        } output: {
            tell($0)
        }
    }

    /// File sizes and modification times under the project: a change of either means a save.
    struct ProjectSnapshot: Equatable {
        var files: [String: [Double]] = [:]

        init(_ root: URL) {
            guard
                let walker = FileManager.default.enumerator(
                    at: root, includingPropertiesForKeys: [.contentModificationDateKey, .fileSizeKey])
            else { return }
            for case let url as URL in walker {
                // Builds write there; watching them would redeploy after every build.
                if url.lastPathComponent == ".nimbus" {
                    walker.skipDescendants()
                    continue
                }
                let values = try? url.resourceValues(forKeys: [.contentModificationDateKey, .fileSizeKey])
                files[url.path] = [
                    values?.contentModificationDate?.timeIntervalSince1970 ?? 0, Double(values?.fileSize ?? 0),
                ]
            }
        }
    }

    /// Unbuffered, even into a pipe: a watcher's output is read as it happens.
    static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func describe(_ step: DeployPlan.Step) -> String {
        let detail = step.changes.isEmpty ? "" : " (" + step.changes.joined(separator: ", ") + ")"
        return
            "\(step.action.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))\(step.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))\(step.name)\(detail)"
    }

    static func present(_ action: DeployPlan.Action) -> String {
        switch action {
        case .create: "creating"
        case .update: "updating"
        case .delete: "deleting"
        case .unchanged: "keeping"
        }
    }

    static func past(_ action: DeployPlan.Action) -> String {
        switch action {
        case .create: "created"
        case .update: "updated"
        case .delete: "deleted"
        case .unchanged: "unchanged"
        }
    }

    static func json(
        _ plan: DeployPlan, urls: [String], applied: Bool, warnings: [ManifestDiagnostic],
        builds: [DependencyBuilder.Result]
    ) -> String {
        let steps: [JSONValue] = plan.steps.map { step in
            .object([
                "action": .string(step.action.rawValue), "kind": .string(step.kind.rawValue),
                "name": .string(step.name), "changes": .array(step.changes.map(JSONValue.string)),
            ])
        }
        let body: JSONValue = .object([
            "applied": .bool(applied), "plan": .array(steps), "urls": .array(urls.map(JSONValue.string)),
            "warnings": .array(warnings.map { .string($0.description) }),
            "builds": .array(
                builds.map { build in
                    .object([
                        "function": .string(build.target.name), "cached": .bool(build.cached),
                        "seconds": .number(build.seconds), "directory": .string(build.target.output.path),
                    ])
                }),
        ])
        return String(decoding: (try? FCJSON.makeEncoder().encode(body)) ?? Data(), as: UTF8.self)
    }
}
