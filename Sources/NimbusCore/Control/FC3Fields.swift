/// FC 3.0's function fields and FC 2.0's service and function fields, in both directions (fc3-api spec
/// 4.2). Pure: 3.0 carries on the function what 2.0 keeps on the service, and renamed a few fields.
package enum FC3Fields {
    /// The fields FC 2.0 keeps on the service.
    static let serviceKeys: Set<String> = [
        "role", "logConfig", "vpcConfig", "nasConfig", "internetAccess", "tracingConfig", "ossMountConfig",
    ]

    /// 3.0 function fields with no 2.0 counterpart: stored as sent (`FunctionSpec.fc3Fields`) and echoed.
    static let fc3OnlyKeys: Set<String> = [
        "idleTimeout", "disableOndemand", "sessionAffinity", "sessionAffinityConfig", "instanceIsolationMode",
        "enableLongLiving", "disableInjectCredentials", "resourceGroupId", "juiceFsConfig", "polarFsConfig",
        "microSandboxConfig", "invocationRestriction",
    ]

    /// A 3.0 body split into the service's fields and the function's, renamed as 2.0 names them.
    package static func toCore(_ fields: [String: JSONValue]) -> (
        service: [String: JSONValue], function: [String: JSONValue]
    ) {
        var service: [String: JSONValue] = [:]
        var function: [String: JSONValue] = [:]
        var extras: [String: JSONValue] = [:]
        for (key, value) in fields {
            if serviceKeys.contains(key) {
                service[key] = value
            } else if fc3OnlyKeys.contains(key) {
                extras[key] = value
            } else {
                function[key] = value
            }
        }
        if !extras.isEmpty { function["fc3Fields"] = .object(extras) }
        if var lifecycle = function["instanceLifecycleConfig"]?.objectValue {
            if let initializer = lifecycle.removeValue(forKey: "initializer")?.objectValue {
                function["initializer"] = initializer["handler"]
                function["initializationTimeout"] = initializer["timeout"]
            }
            function["instanceLifecycleConfig"] = .object(lifecycle)
        }
        if var runtime = function["customRuntimeConfig"]?.objectValue {
            if let port = runtime.removeValue(forKey: "port") { function["caPort"] = port }
            if let check = runtime.removeValue(forKey: "healthCheckConfig") {
                function["customHealthCheckConfig"] = check
            }
            function["customRuntimeConfig"] = .object(runtime)
        }
        if var container = function["customContainerConfig"]?.objectValue {
            if let port = container.removeValue(forKey: "port") { function["caPort"] = port }
            if let check = container.removeValue(forKey: "healthCheckConfig") {
                function["customHealthCheckConfig"] = check
            }
            let entrypoint = container.removeValue(forKey: "entrypoint")
            let command = container.removeValue(forKey: "command")
            container["command"] = entrypoint
            container["args"] = command
            if let registry = container.removeValue(forKey: "acrInstanceId") { container["instanceID"] = registry }
            function["customContainerConfig"] = .object(container)
        }
        if let gpu = function.removeValue(forKey: "gpuConfig")?.objectValue {
            function["instanceType"] = gpu["gpuType"]
            function["gpuMemorySize"] = gpu["gpuMemorySize"]
        }
        return (service, function)
    }

    /// The 3.0 view of a 2.0 service and function: the service's settings on the function, 3.0's names.
    package static func fromCore(service: [String: JSONValue], function: [String: JSONValue]) -> [String: JSONValue] {
        var fields = function
        for key in serviceKeys { fields[key] = service[key] }
        for (key, value) in fields.removeValue(forKey: "fc3Fields")?.objectValue ?? [:] { fields[key] = value }
        var lifecycle = fields["instanceLifecycleConfig"]?.objectValue ?? [:]
        lifecycle["preFreeze"] = nil
        lifecycle["initializer"] = .object([
            "handler": fields.removeValue(forKey: "initializer") ?? .string(""),
            "timeout": fields.removeValue(forKey: "initializationTimeout") ?? .number(3),
        ])
        fields["instanceLifecycleConfig"] = .object(lifecycle)
        let port = fields.removeValue(forKey: "caPort")
        let check = fields.removeValue(forKey: "customHealthCheckConfig")
        if var runtime = fields["customRuntimeConfig"]?.objectValue {
            runtime["port"] = port
            runtime["healthCheckConfig"] = check
            fields["customRuntimeConfig"] = .object(runtime)
        }
        if var container = fields["customContainerConfig"]?.objectValue {
            let command = container.removeValue(forKey: "command")
            container["command"] = container.removeValue(forKey: "args")
            container["entrypoint"] = command
            if let registry = container.removeValue(forKey: "instanceID") { container["acrInstanceId"] = registry }
            container["port"] = port
            container["healthCheckConfig"] = check
            fields["customContainerConfig"] = .object(container)
        }
        let instanceType = fields.removeValue(forKey: "instanceType")?.stringValue
        let gpuMemory = fields.removeValue(forKey: "gpuMemorySize")
        if let instanceType, instanceType.hasPrefix("fc.gpu") {
            fields["gpuConfig"] = .object(["gpuType": .string(instanceType), "gpuMemorySize": gpuMemory ?? .null])
        }
        fields["instanceSoftConcurrency"] = nil
        fields["layersArnV2"] = nil
        fields["layers"] = .array(
            (fields["layers"]?.arrayValue ?? []).map { .object(["arn": $0, "size": .number(0)]) })
        return fields
    }
}
