import Foundation

/// Per-function, per-qualifier settings: provisioned instances, on-demand caps, async invocation.
package struct FunctionConfigRecord: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case provision
        case onDemand = "on-demand"
        case asyncInvoke = "async-invoke"
        /// FC 3.0's reserved concurrency: one per function (kept at qualifier LATEST), for every qualifier.
        case concurrency
    }

    /// FC's bounds for a provision config's `target` and an on-demand config's `maximumInstanceCount`.
    package static let provisionTargets = 0...10_000
    package static let maximumInstanceCounts = 0...100_000
    /// Bounds for a concurrency config's `reservedConcurrency`.
    package static let reservedConcurrencies = 0...100_000

    package var kind: Kind
    package var serviceName: String
    package var qualifier: String
    package var functionName: String
    /// The stored fields, already validated for the kind.
    package var fields: [String: JSONValue]
    package var createdTime: Date
    package var lastModifiedTime: Date

    package init(
        kind: Kind, serviceName: String, qualifier: String, functionName: String,
        fields: [String: JSONValue], createdTime: Date, lastModifiedTime: Date
    ) {
        self.kind = kind
        self.serviceName = serviceName
        self.qualifier = qualifier
        self.functionName = functionName
        self.fields = fields
        self.createdTime = createdTime
        self.lastModifiedTime = lastModifiedTime
    }
}

/// Which configs a list call wants.
package struct FunctionConfigFilter: Sendable, Equatable {
    package var serviceName: String?
    package var qualifier: String?
    package var functionName: String?

    package init(serviceName: String? = nil, qualifier: String? = nil, functionName: String? = nil) {
        self.serviceName = serviceName
        self.qualifier = qualifier
        self.functionName = functionName
    }
}

/// Identifies a function by service, qualifier and name, as `svc.qualifier/functions/fn` paths do.
package struct QualifiedFunction: Sendable, Hashable {
    package var serviceName: String
    package var qualifier: String
    package var functionName: String

    package init(serviceName: String, qualifier: String, functionName: String) {
        self.serviceName = serviceName
        self.qualifier = qualifier
        self.functionName = functionName
    }

    /// The config's key as FC lists it: `services/<svc>.<q>/functions/<fn>`.
    package var resourcePath: String { "services/\(serviceName).\(qualifier)/functions/\(functionName)" }
}
