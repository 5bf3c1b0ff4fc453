import Foundation

/// A published version: an immutable snapshot of a service's configuration and every function's
/// configuration and code, taken at LATEST.
package struct VersionRecord: Sendable, Equatable {
    package var serviceName: String
    /// Increasing per service, never reused (FC's `versionId`, a decimal string on the wire).
    package var versionId: Int
    /// The ids a version can have.
    package static let ids = 1...Int.max
    package var description: String
    package var createdTime: Date
    package var snapshot: ServiceSnapshot

    package init(
        serviceName: String, versionId: Int, description: String, createdTime: Date, snapshot: ServiceSnapshot
    ) {
        self.serviceName = serviceName
        self.versionId = versionId
        self.description = description
        self.createdTime = createdTime
        self.snapshot = snapshot
    }
}

/// The service and its functions as they were when a version was published.
package struct ServiceSnapshot: Sendable, Equatable {
    package var service: ServiceRecord
    package var functions: [FunctionRecord]

    package init(service: ServiceRecord, functions: [FunctionRecord]) {
        self.service = service
        self.functions = functions.sorted { $0.name < $1.name }
    }

    package func function(named name: String) -> FunctionRecord? { functions.first { $0.name == name } }

    /// Equal fingerprints mean nothing was written since: every ETag is the same.
    package var fingerprint: String {
        ([service.meta.etag] + functions.map { "\($0.name)=\($0.meta.etag)" }).joined(separator: ",")
    }
}
