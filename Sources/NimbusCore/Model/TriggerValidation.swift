extension TriggerSpec {
    /// Trigger types Nimbus can fire. Event sources of Alibaba Cloud products are refused by name.
    package static let supportedTypes: Set<String> = ["http", "timer"]

    static let httpMethods: Set<String> = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]

    /// Checks type and config; the config itself is stored exactly as sent.
    package func validate() throws(NimbusError) {
        guard let triggerType, !triggerType.isEmpty else { throw .invalidArgument("field 'triggerType' is required") }
        guard Self.supportedTypes.contains(triggerType) else {
            throw .invalidArgument(
                "triggerType '\(triggerType)' is not supported by Nimbus; supported types: http, timer")
        }
        guard let config = triggerConfig, case .object = config else {
            throw .invalidArgument("field 'triggerConfig' must be a JSON object")
        }
        switch triggerType {
        case "http": try Self.validateHTTP(config)
        default: try Self.validateTimer(config)
        }
    }

    static func validateHTTP(_ config: JSONValue) throws(NimbusError) {
        if let auth = config.field("authType"), !auth.isNull {
            guard let value = auth.stringValue, ["anonymous", "function"].contains(value.lowercased()) else {
                throw .invalidArgument("triggerConfig.authType must be 'anonymous' or 'function'")
            }
        }
        guard let methods = config.field("methods")?.arrayValue, !methods.isEmpty else {
            throw .invalidArgument("triggerConfig.methods must be a non-empty list of HTTP methods")
        }
        for method in methods {
            guard let name = method.stringValue, httpMethods.contains(name.uppercased()) else {
                throw .invalidArgument("triggerConfig.methods contains an unsupported method")
            }
        }
    }

    static func validateTimer(_ config: JSONValue) throws(NimbusError) {
        guard let cron = config.field("cronExpression")?.stringValue, !cron.isEmpty else {
            throw .invalidArgument("triggerConfig.cronExpression is required for a timer trigger")
        }
        _ = try CronSchedule(parsing: cron)
        if let enable = config.field("enable"), enable != .null {
            guard case .bool = enable else { throw .invalidArgument("triggerConfig.enable must be a boolean") }
        }
    }
}
