import Foundation

/// A function: code plus the settings it runs with, inside one service.
package struct FunctionRecord: Sendable, Equatable {
    package var meta: ResourceMeta
    package var serviceName: String
    package var spec: FunctionSpec
    package var code: CodeInfo

    package init(meta: ResourceMeta, serviceName: String, spec: FunctionSpec, code: CodeInfo) {
        self.meta = meta
        self.serviceName = serviceName
        self.spec = spec
        self.code = code
    }

    package var name: String { meta.name }
}

/// Where a function's code package lives and how FC describes it.
package struct CodeInfo: Codable, Sendable, Equatable {
    /// Bytes of the zip file.
    package var size: Int
    /// CRC-64/XZ of the zip file, as an unsigned decimal string.
    package var checksum: String
    /// SHA-256 of the zip file: the content address under the data dir.
    package var digest: String

    package init(size: Int, checksum: String, digest: String) {
        self.size = size
        self.checksum = checksum
        self.digest = digest
    }
}

/// The user-settable fields of a function, as FC names them (2016-08-15 plus the 2021 additions).
package struct FunctionSpec: Codable, Sendable, Equatable {
    package var description: String?
    package var runtime: String?
    package var handler: String?
    package var memorySize: Int?
    package var timeout: Int?
    package var initializer: String?
    package var initializationTimeout: Int?
    package var environmentVariables: [String: String]?
    package var instanceConcurrency: Int?
    package var caPort: Int?
    package var instanceType: String?
    package var layers: [String]?
    package var customContainerConfig: JSONValue?
    package var customRuntimeConfig: CustomRuntimeConfig?
    package var customDNS: JSONValue?
    package var customHealthCheckConfig: JSONValue?
    package var instanceLifecycleConfig: InstanceLifecycleConfig?
    package var cpu: Double?
    package var diskSize: Int?
    package var gpuMemorySize: Int?
    package var instanceSoftConcurrency: Int?
    /// FC 3.0's fields with no 2.0 counterpart (`idleTimeout`, `sessionAffinity`, ...), kept as sent and
    /// echoed by the 3.0 API only (``FC3Fields``). Nimbus stores them; they change nothing it runs.
    package var fc3Fields: [String: JSONValue]?

    package init() {}

    /// FC's documented API defaults for fields a create call left out.
    package func withDefaults() -> FunctionSpec {
        var spec = self
        spec.description = description ?? ""
        spec.memorySize = memorySize ?? 128
        spec.timeout = timeout ?? 3
        spec.initializer = initializer ?? ""
        spec.initializationTimeout = initializationTimeout ?? 3
        spec.environmentVariables = environmentVariables ?? [:]
        spec.instanceConcurrency = instanceConcurrency ?? 1
        spec.caPort = caPort ?? 9000
        spec.instanceType = instanceType ?? "e1"
        spec.layers = layers ?? []
        spec.diskSize = diskSize ?? 512
        spec.cpu = cpu ?? Double(spec.memorySize ?? 128) / 1024
        spec.instanceLifecycleConfig = instanceLifecycleConfig ?? InstanceLifecycleConfig()
        return spec
    }
}

package struct CustomRuntimeConfig: Codable, Sendable, Equatable {
    package var command: [String]?
    package var args: [String]?
}

package struct InstanceLifecycleConfig: Codable, Sendable, Equatable {
    package struct Hook: Codable, Sendable, Equatable {
        package var handler: String?
        package var timeout: Int?
    }
    package var preFreeze: Hook?
    package var preStop: Hook?
    package init() {}
}

/// The `code` field of a create or update body.
package struct CodeSource: Codable, Sendable {
    package var zipFile: String?
    package var ossBucketName: String?
    package var ossObjectName: String?
}
