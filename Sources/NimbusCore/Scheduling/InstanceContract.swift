import Foundation

/// What a function instance is told: its environment at start and the `x-fc-*` headers of each call
/// (fc-runtimes spec 1.1 and 4.4). Pure, so it is tested without processes.
package struct InstanceContract: Sendable {
    package var service: ServiceRecord
    package var function: FunctionRecord
    package var qualifier: String
    package var versionId: String
    package var region: String
    package var accountId: String

    package init(
        service: ServiceRecord, function: FunctionRecord, qualifier: String, versionId: String, region: String,
        accountId: String
    ) {
        self.service = service
        self.function = function
        self.qualifier = qualifier
        self.versionId = versionId
        self.region = region
        self.accountId = accountId
    }

    /// The process environment: a clean one (nothing of Nimbus's own), FC's variables, then the user's.
    package func environment(port: Int, codeDirectory: String, instanceId: String) -> [String: String] {
        let spec = function.spec
        var environment: [String: String] = [
            "PATH": SandboxPlan.path, "HOME": "/tmp", "LANG": "C.UTF-8", "TZ": "UTC",
            "FC_SERVER_PORT": String(port), "FC_CUSTOM_LISTEN_PORT": String(port),
            "FC_FUNC_CODE_PATH": codeDirectory, "FC_FUNCTION_HANDLER": spec.handler ?? "",
            "FC_FUNCTION_INITIALIZER": spec.initializer ?? "",
            "FC_FUNCTION_MEMORY_SIZE": String(spec.memorySize ?? 128), "FC_FUNCTION_NAME": function.name,
            "FC_SERVICE_NAME": service.name, "FC_REGION": region, "FC_ACCOUNT_ID": accountId,
            "FC_QUALIFIER": qualifier, "FC_VER_ID": versionId, "FC_INSTANCE_ID": instanceId,
            "FC_RUNTIME_VERSION": spec.runtime ?? "", "FC_SERVER_LOG_LEVEL": "INFO",
            "FC_INSTANCE_CONCURRENCY": String(spec.instanceConcurrency ?? 1),
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "",
            "ALIBABA_CLOUD_SECURITY_TOKEN": "",
        ]
        if (try? Runtime(fcName: spec.runtime ?? "")) == .custom { environment["PORT"] = String(port) }
        for (key, value) in spec.environmentVariables ?? [:] where !key.hasPrefix("FC_") {
            environment[key] = value
        }
        return environment
    }

    /// The names of the headers `headers(requestId:controlPath:retryCount:)` sets, in its order.
    package static let headerNames = [
        "x-fc-request-id", "x-fc-access-key-id", "x-fc-access-key-secret", "x-fc-security-token",
        "x-fc-function-name", "x-fc-function-handler", "x-fc-function-memory", "x-fc-function-timeout",
        "x-fc-function-initializer", "x-fc-initialization-timeout", "x-fc-instance-lifecycle-pre-freeze-handler",
        "x-fc-instance-lifecycle-pre-stop-handler", "x-fc-service-name", "x-fc-service-logproject",
        "x-fc-service-logstore", "x-fc-qualifier", "x-fc-version-id", "x-fc-region", "x-fc-account-id",
        "x-fc-retry-count", "x-fc-control-path",
    ]

    /// The `x-fc-*` headers every call to the instance carries.
    package func headers(requestId: String, controlPath: String, retryCount: Int = 0) -> [(String, String)] {
        let spec = function.spec
        let log = service.spec.logConfig
        return [
            ("x-fc-request-id", requestId), ("x-fc-access-key-id", ""), ("x-fc-access-key-secret", ""),
            ("x-fc-security-token", ""), ("x-fc-function-name", function.name),
            ("x-fc-function-handler", spec.handler ?? ""), ("x-fc-function-memory", String(spec.memorySize ?? 128)),
            ("x-fc-function-timeout", String(spec.timeout ?? 3)),
            ("x-fc-function-initializer", spec.initializer ?? ""),
            ("x-fc-initialization-timeout", String(spec.initializationTimeout ?? 3)),
            (
                "x-fc-instance-lifecycle-pre-freeze-handler",
                spec.instanceLifecycleConfig?.preFreeze?.handler ?? ""
            ),
            ("x-fc-instance-lifecycle-pre-stop-handler", spec.instanceLifecycleConfig?.preStop?.handler ?? ""),
            ("x-fc-service-name", service.name), ("x-fc-service-logproject", log?.project ?? ""),
            ("x-fc-service-logstore", log?.logstore ?? ""), ("x-fc-qualifier", qualifier),
            ("x-fc-version-id", versionId), ("x-fc-region", region), ("x-fc-account-id", accountId),
            ("x-fc-retry-count", String(retryCount)), ("x-fc-control-path", controlPath),
        ]
    }

    /// The envelope FC's official runtimes read for HTTP-trigger calls (spec 1.3), base64 JSON.
    package static func httpParams(path: String, requestURI: String, method: String, clientIP: String, host: String)
        -> String
    {
        // Built by hand: a JSONEncoder per call was a measurable share of a warm HTTP call.
        var json = "{\"clientIP\":"
        JSONText.appendString(clientIP, to: &json)
        json += ",\"host\":"
        JSONText.appendString(host, to: &json)
        json += ",\"method\":"
        JSONText.appendString(method, to: &json)
        json += ",\"path\":"
        JSONText.appendString(path, to: &json)
        json += ",\"requestURI\":"
        JSONText.appendString(requestURI, to: &json)
        json += "}"
        return Data(json.utf8).base64EncodedString()
    }
}
