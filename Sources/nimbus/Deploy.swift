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
            and applies it. Unchanged code is not uploaded again.

            Examples:
              nimbus deploy examples/catalog
              nimbus deploy --dry-run            show the plan only
              nimbus deploy --prune              also delete functions the manifest no longer names
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

    @OptionGroup var connection: Connection

    func run() async throws {
        let manifest: Manifest
        do {
            manifest = try ManifestLoader.load(directory: URL(fileURLWithPath: directory))
        } catch let errors as ManifestErrors {
            FileHandle.standardError.write(Data("\(errors)\n".utf8))
            throw ExitCode(2)
        }
        let json = output == "json"
        for warning in manifest.warnings where !json {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let (client, endpoint) = try connection.clientAndEndpoint()
        let deployer = Deployer(client: client, endpoint: endpoint)
        do {
            let plan = try await deployer.plan(manifest, prune: prune)
            if !json {
                print("Plan for \((manifest.file as NSString).lastPathComponent) -> \(endpoint):")
                for step in plan.steps { print("  " + Self.describe(step)) }
            }
            if !dryRun {
                try await deployer.apply(plan) { step in
                    if !json { print("\(Self.present(step.action)) \(step.kind.rawValue) \(step.name)") }
                }
            }
            let urls = deployer.urls(manifest)
            if json {
                print(Self.json(plan, urls: urls, applied: !dryRun, warnings: manifest.warnings))
            } else {
                let counts = Dictionary(grouping: plan.steps, by: \.action).mapValues(\.count)
                let summary = [DeployPlan.Action.create, .update, .unchanged, .delete].compactMap { action in
                    counts[action].map { "\($0) \(action.rawValue == "unchanged" ? "unchanged" : Self.past(action))" }
                }
                print(dryRun ? "Dry run: nothing applied." : "Deployed: " + summary.joined(separator: ", ") + ".")
                if !urls.isEmpty {
                    print("URLs:")
                    for url in urls { print("  " + url) }
                }
            }
        } catch let failure as Deployer.Failure {
            FileHandle.standardError.write(Data("deploy failed: \(failure)\n".utf8))
            throw ExitCode(1)
        }
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

    static func json(_ plan: DeployPlan, urls: [String], applied: Bool, warnings: [ManifestDiagnostic]) -> String {
        let steps: [JSONValue] = plan.steps.map { step in
            .object([
                "action": .string(step.action.rawValue), "kind": .string(step.kind.rawValue),
                "name": .string(step.name), "changes": .array(step.changes.map(JSONValue.string)),
            ])
        }
        let body: JSONValue = .object([
            "applied": .bool(applied), "plan": .array(steps), "urls": .array(urls.map(JSONValue.string)),
            "warnings": .array(warnings.map { .string($0.description) }),
        ])
        return String(decoding: (try? FCJSON.makeEncoder().encode(body)) ?? Data(), as: UTF8.self)
    }
}
