import Foundation

/// A service: the unit that groups functions and carries their shared settings.
package struct ServiceRecord: Sendable, Equatable {
    package var meta: ResourceMeta
    package var spec: ServiceSpec

    package init(meta: ResourceMeta, spec: ServiceSpec) {
        self.meta = meta
        self.spec = spec
    }

    package var name: String { meta.name }
}

/// The user-settable fields of a service, as FC 2016-08-15 names them.
package struct ServiceSpec: Codable, Sendable, Equatable {
    package var description: String?
    package var role: String?
    package var logConfig: LogConfig?
    package var vpcConfig: VPCConfig?
    package var internetAccess: Bool?
    package var nasConfig: NASConfig?
    package var tracingConfig: TracingConfig?
    package var ossMountConfig: JSONValue?
    /// Set on the service an FC 3.0 function lives in (service `F` holding function `F`): 3.0 lists it
    /// as `F`, every other 2.0 function as `service$function`. Never taken from a 2.0 request.
    package var holdsFC3Function: Bool?

    package init() {}

    /// The spec with FC's defaults filled in, so reads always show every field.
    package func withDefaults() -> ServiceSpec {
        var spec = self
        spec.description = description ?? ""
        spec.role = role ?? ""
        spec.logConfig = logConfig ?? LogConfig()
        spec.vpcConfig = vpcConfig ?? VPCConfig()
        spec.internetAccess = internetAccess ?? true
        spec.nasConfig = nasConfig ?? NASConfig()
        spec.tracingConfig = tracingConfig ?? TracingConfig()
        return spec
    }
}

package struct LogConfig: Codable, Sendable, Equatable {
    package var project: String = ""
    package var logstore: String = ""
    package var enableRequestMetrics: Bool = false
    package var enableInstanceMetrics: Bool = false
    package var logBeginRule: String? = nil
    package init() {}

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        project = try c.decodeIfPresent(String.self, forKey: .project) ?? ""
        logstore = try c.decodeIfPresent(String.self, forKey: .logstore) ?? ""
        enableRequestMetrics = try c.decodeIfPresent(Bool.self, forKey: .enableRequestMetrics) ?? false
        enableInstanceMetrics = try c.decodeIfPresent(Bool.self, forKey: .enableInstanceMetrics) ?? false
        logBeginRule = try c.decodeIfPresent(String.self, forKey: .logBeginRule)
    }
}

package struct VPCConfig: Codable, Sendable, Equatable {
    package var vpcId: String = ""
    package var vSwitchIds: [String] = []
    package var securityGroupId: String = ""
    package init() {}

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vpcId = try c.decodeIfPresent(String.self, forKey: .vpcId) ?? ""
        vSwitchIds = try c.decodeIfPresent([String].self, forKey: .vSwitchIds) ?? []
        securityGroupId = try c.decodeIfPresent(String.self, forKey: .securityGroupId) ?? ""
    }
}

package struct NASConfig: Codable, Sendable, Equatable {
    package struct MountPoint: Codable, Sendable, Equatable {
        package var serverAddr: String
        package var mountDir: String
    }
    package var userId: Int = -1
    package var groupId: Int = -1
    package var mountPoints: [MountPoint] = []
    package init() {}

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        userId = try c.decodeIfPresent(Int.self, forKey: .userId) ?? -1
        groupId = try c.decodeIfPresent(Int.self, forKey: .groupId) ?? -1
        mountPoints = try c.decodeIfPresent([MountPoint].self, forKey: .mountPoints) ?? []
    }
}

/// `tracingConfig: {}` reads back with `type` and `params` as explicit nulls, as FC does.
package struct TracingConfig: Codable, Sendable, Equatable {
    package var type: String? = nil
    package var params: JSONValue? = nil
    package init() {}

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(params ?? .null, forKey: .params)
    }
}
