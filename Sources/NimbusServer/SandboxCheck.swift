import Foundation
import Logging
import NimbusCore
import NimbusRuntime

/// Decides at start how instances will be confined, and says so loudly when they won't be.
enum SandboxCheck {
    struct Outcome {
        var setup: SandboxSetup?
        /// What `/health` reports.
        var status: JSONValue
    }

    /// A sandboxed configuration never falls back silently: if the host can't sandbox, Nimbus stops.
    static func resolve(_ configuration: NimbusConfiguration, logger: Logger) async throws -> Outcome {
        guard configuration.sandbox else {
            logger.warning(
                "SANDBOX OFF: functions run as plain processes with Nimbus's privileges (NIMBUS_SANDBOX=off)")
            return Outcome(
                setup: nil, status: .object(["enabled": .bool(false), "reason": .string("disabled by the operator")]))
        }
        switch await SandboxSetup.probe(
            initPath: configuration.runtime.initPath, bubblewrapPath: configuration.bubblewrapPath,
            dataDirectory: URL(fileURLWithPath: configuration.dataDirectory).standardizedFileURL.path)
        {
        case .success(let setup):
            return Outcome(
                setup: setup,
                status: .object([
                    "enabled": .bool(true), "bubblewrap": .string(setup.bubblewrapPath),
                    "cgroups": .string(setup.cgroups.version.rawValue),
                ]))
        case .failure(let error):
            let message =
                "Nimbus cannot sandbox function instances on this host: \(error.message). "
                + "Install bubblewrap and run Nimbus as root with cgroups mounted, or set NIMBUS_SANDBOX=off to run "
                + "functions unsandboxed (unsafe: they can read everything Nimbus can)."
            logger.critical("\(message)")
            throw NimbusError(.internalServerError, message)
        }
    }
}
