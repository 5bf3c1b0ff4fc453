import Foundation
import NimbusCore

/// The program an instance runs, per runtime: our shims for python3 and nodejs, the user's own
/// server for custom runtimes (`customRuntimeConfig.command` + `args`, else `<code>/bootstrap`).
enum LaunchCommand {
    static func arguments(
        for spec: FunctionSpec, codeDirectory: URL, configuration: RuntimeConfiguration
    ) throws(NimbusError) -> [String] {
        let sandboxed = configuration.sandbox != nil
        let codePath = sandboxed ? SandboxPlan.codePath : codeDirectory.path
        switch try Runtime(fcName: spec.runtime ?? "") {
        case .python3:
            let shim = try shim("python/bootstrap.py")
            return [configuration.pythonPath, "-u", sandboxed ? "\(SandboxPlan.shimPath)/python/bootstrap.py" : shim]
        case .nodejs:
            let shim = try shim("nodejs/bootstrap.js")
            return [configuration.nodePath, sandboxed ? "\(SandboxPlan.shimPath)/nodejs/bootstrap.js" : shim]
        case .custom:
            if let command = spec.customRuntimeConfig?.command, !command.isEmpty {
                return command + (spec.customRuntimeConfig?.args ?? [])
            }
            let bootstrap = codeDirectory.appendingPathComponent("bootstrap").path
            guard FileManager.default.fileExists(atPath: bootstrap) else {
                throw NimbusError(
                    .instanceFileNotFound,
                    "the custom runtime has no customRuntimeConfig.command and no 'bootstrap' file in its code")
            }
            guard FileManager.default.isExecutableFile(atPath: bootstrap) else {
                throw NimbusError(.instanceFilePermission, "the custom runtime's 'bootstrap' file is not executable")
            }
            return ["\(codePath)/bootstrap"] + (spec.customRuntimeConfig?.args ?? [])
        }
    }

    /// The folder holding the shims (mounted at `/opt/nimbus` in the sandbox).
    static var shimRoot: String { Bundle.module.resourceURL?.path ?? "" }

    static func shim(_ relativePath: String) throws(NimbusError) -> String {
        guard let root = Bundle.module.resourceURL,
            FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
        else {
            throw NimbusError(.internalServerError, "the runtime shim \(relativePath) is missing from this build")
        }
        return root.appendingPathComponent(relativePath).path
    }
}
