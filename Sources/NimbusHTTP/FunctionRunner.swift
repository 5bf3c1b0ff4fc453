import Foundation
import NimbusCore
import NimbusRuntime

/// Resolves `{service}.{qualifier}/{function}` to something the supervisor can run.
package struct FunctionRunner: Sendable {
    let control: ControlPlane
    let supervisor: Supervisor
    let codeDirectory: @Sendable (CodeInfo) -> URL

    package init(control: ControlPlane, supervisor: Supervisor, codeDirectory: @escaping @Sendable (CodeInfo) -> URL) {
        self.control = control
        self.supervisor = supervisor
        self.codeDirectory = codeDirectory
    }

    /// The deployment a call runs: LATEST until versions and aliases exist.
    func deployment(service: String, qualifier: String, function: String) async throws -> Supervisor.Deployment {
        let serviceRecord = try await control.service(service)
        try ManagementAPI.requireLatest(qualifier, service: service)
        let functionRecord = try await control.function(function, service: service)
        let contract = InstanceContract(
            service: serviceRecord, function: functionRecord, qualifier: "LATEST", versionId: "LATEST",
            region: control.region, accountId: control.credentials.accountId)
        return Supervisor.Deployment(contract: contract, codeDirectory: codeDirectory(functionRecord.code))
    }

    func run(_ deployment: Supervisor.Deployment, _ call: InstanceCall) async throws -> InstanceReply {
        try await supervisor.invoke(deployment, call)
    }
}
