import Foundation

/// How a function's async events are retried, aged out and routed (its async-invoke config, or FC's defaults).
package struct AsyncInvokePolicy: Sendable, Equatable {
    /// FC's defaults: 3 retries, events live 24 hours.
    package static let defaultRetries = 3
    package static let defaultMaximumAge: TimeInterval = 86_400
    /// FC's bounds for `maxAsyncRetryAttempts` and `maxAsyncEventAgeInSeconds`.
    package static let retryRange = 0...8
    package static let ageRange = 1...86_400

    package var maximumRetries: Int
    package var maximumAge: TimeInterval
    package var onSuccess: QualifiedFunction?
    package var onFailure: QualifiedFunction?
    package var stateful: Bool

    package init(
        maximumRetries: Int = defaultRetries, maximumAge: TimeInterval = defaultMaximumAge,
        onSuccess: QualifiedFunction? = nil, onFailure: QualifiedFunction? = nil, stateful: Bool = false
    ) {
        self.maximumRetries = maximumRetries
        self.maximumAge = maximumAge
        self.onSuccess = onSuccess
        self.onFailure = onFailure
        self.stateful = stateful
    }

    /// Reads a stored async-invoke config (fields already validated by the control plane).
    package init(config: FunctionConfigRecord?) {
        self.init()
        guard let fields = config?.fields else { return }
        // Stored configs were checked by the control plane; a value outside FC's range keeps the default.
        if case .number(let retries)? = fields["maxAsyncRetryAttempts"],
            let value = retries.integer(in: Self.retryRange)
        {
            maximumRetries = value
        }
        if case .number(let age)? = fields["maxAsyncEventAgeInSeconds"], let value = age.integer(in: Self.ageRange) {
            maximumAge = TimeInterval(value)
        }
        if case .bool(let flag)? = fields["statefulInvocation"] { stateful = flag }
        let routes = fields["destinationConfig"]
        onSuccess = routes?.field("onSuccess")?.field("destination")?.stringValue
            .flatMap { try? DestinationARN.parse($0) }
        onFailure = routes?.field("onFailure")?.field("destination")?.stringValue
            .flatMap { try? DestinationARN.parse($0) }
    }
}

/// FC's function ARN as a destination: `acs:fc:<region>:<account>:services/<svc>[.<qualifier>]/functions/<fn>`.
package enum DestinationARN {
    package static func parse(_ arn: String) throws(NimbusError) -> QualifiedFunction {
        let parts = arn.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "acs" else {
            throw .invalidArgument("destination '\(arn)' is not an ARN (acs:fc:<region>:<account>:services/...)")
        }
        guard parts[1] == "fc" else {
            throw .invalidArgument(
                "destination '\(arn)': only Function Compute functions can be destinations in Nimbus, not '\(parts[1])'"
            )
        }
        let path = parts[4].split(separator: "/", omittingEmptySubsequences: false)
        // FC 3.0's `functions/<name>` (a 2.0 function there is `service$function`), at LATEST.
        if path.count == 2, path[0] == "functions", !path[1].isEmpty {
            let address = FC3Name(String(path[1]))
            guard !address.service.isEmpty, !address.function.isEmpty else {
                throw .invalidArgument("destination '\(arn)' must end in functions/<function>")
            }
            return QualifiedFunction(
                serviceName: address.service, qualifier: "LATEST", functionName: address.function)
        }
        guard path.count == 4, path[0] == "services", path[2] == "functions", !path[1].isEmpty, !path[3].isEmpty else {
            throw .invalidArgument(
                "destination '\(arn)' must end in services/<service>/functions/<function> or functions/<function>")
        }
        // `services/.v1/...` or `services/svc./...` name no service or no qualifier: refuse, don't index past them.
        let service = path[1].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = service.first, !name.isEmpty, service.count == 1 || !service[1].isEmpty else {
            throw .invalidArgument("destination '\(arn)' must name services/<service>[.<qualifier>]")
        }
        return QualifiedFunction(
            serviceName: String(name), qualifier: service.count > 1 ? String(service[1]) : "LATEST",
            functionName: String(path[3]))
    }

    package static func format(_ target: QualifiedFunction, region: String, accountId: String) -> String {
        "acs:fc:\(region):\(accountId):services/\(target.serviceName).\(target.qualifier)/functions/\(target.functionName)"
    }
}
