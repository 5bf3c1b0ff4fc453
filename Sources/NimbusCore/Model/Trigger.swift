import Foundation

/// A trigger: what calls a function (an HTTP endpoint, a timer, ...).
package struct TriggerRecord: Sendable, Equatable {
    package var meta: ResourceMeta
    package var serviceName: String
    package var functionName: String
    package var spec: TriggerSpec

    package init(meta: ResourceMeta, serviceName: String, functionName: String, spec: TriggerSpec) {
        self.meta = meta
        self.serviceName = serviceName
        self.functionName = functionName
        self.spec = spec
    }

    package var name: String { meta.name }
}

/// The user-settable fields of a trigger; `triggerConfig` is kept exactly as sent.
package struct TriggerSpec: Codable, Sendable, Equatable {
    package var triggerType: String?
    package var triggerConfig: JSONValue?
    package var sourceArn: String?
    package var invocationRole: String?
    package var qualifier: String?
    package var description: String?

    package init() {}

    /// Encodes every field, nulls included: the SDK's tests look for `sourceArn: null`.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(triggerType, forKey: .triggerType)
        try c.encode(triggerConfig ?? .null, forKey: .triggerConfig)
        try c.encode(sourceArn, forKey: .sourceArn)
        try c.encode(invocationRole, forKey: .invocationRole)
        try c.encode(qualifier, forKey: .qualifier)
        try c.encode(description, forKey: .description)
    }
}
