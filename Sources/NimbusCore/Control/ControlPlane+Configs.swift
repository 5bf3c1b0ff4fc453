extension ControlPlane {
    /// Stores a provision, on-demand or async-invoke config after checking its fields and its function.
    package func putConfig(
        _ kind: FunctionConfigRecord.Kind, for target: QualifiedFunction, _ fields: [String: JSONValue]
    ) async throws(NimbusError) -> FunctionConfigRecord {
        _ = try await function(target.functionName, service: target.serviceName)
        try Self.validateQualifier(target.qualifier, for: kind)
        // A version or alias must exist to carry a config (VersionNotFound / AliasNotFound otherwise).
        _ = try await resolveQualifier(target.qualifier, service: target.serviceName, random: 0)
        let kept = try Self.validatedFields(kind, fields)
        let time = Self.wholeSeconds(now())
        let existing = try await store.config(kind, for: target)
        let record = FunctionConfigRecord(
            kind: kind, serviceName: target.serviceName, qualifier: target.qualifier,
            functionName: target.functionName, fields: kept,
            createdTime: existing?.createdTime ?? time, lastModifiedTime: time)
        try await store.putConfig(record)
        return record
    }

    package func config(_ kind: FunctionConfigRecord.Kind, for target: QualifiedFunction) async throws(NimbusError)
        -> FunctionConfigRecord?
    {
        _ = try await function(target.functionName, service: target.serviceName)
        return try await store.config(kind, for: target)
    }

    package func deleteConfig(_ kind: FunctionConfigRecord.Kind, for target: QualifiedFunction)
        async throws(NimbusError) -> Bool
    {
        _ = try await function(target.functionName, service: target.serviceName)
        return try await store.deleteConfig(kind, for: target)
    }

    package func listConfigs(_ kind: FunctionConfigRecord.Kind, filter: FunctionConfigFilter, _ page: PageQuery)
        async throws(NimbusError) -> Page<FunctionConfigRecord>
    {
        try await store.listConfigs(kind, filter: filter, page)
    }

    /// Provisioned instances attach to LATEST or an alias, never to a fixed version (as in FC).
    static func validateQualifier(_ qualifier: String, for kind: FunctionConfigRecord.Kind) throws(NimbusError) {
        if qualifier == "LATEST" { return }
        if qualifier.allSatisfy(\.isNumber) {
            guard kind != .provision else {
                throw .invalidArgument(
                    "provisioned instances need qualifier LATEST or an alias, not version \(qualifier)")
            }
            return
        }
        try Validation.resourceName(qualifier, field: "qualifier")
    }

    static func validatedFields(_ kind: FunctionConfigRecord.Kind, _ fields: [String: JSONValue]) throws(NimbusError)
        -> [String: JSONValue]
    {
        switch kind {
        case .provision:
            let target = try integer(fields, "target", FunctionConfigRecord.provisionTargets, required: true)
            var kept: [String: JSONValue] = ["target": .number(target ?? 0)]
            for key in ["scheduledActions", "targetTrackingPolicies", "alwaysAllocateCPU"] {
                if let value = fields[key], value != .null { kept[key] = value }
            }
            return kept
        case .onDemand:
            let maximum = try integer(
                fields, "maximumInstanceCount", FunctionConfigRecord.maximumInstanceCounts, required: true)
            return ["maximumInstanceCount": .number(maximum ?? 0)]
        case .asyncInvoke:
            return try asyncInvokeFields(fields)
        case .concurrency:
            let reserved = try integer(
                fields, "reservedConcurrency", FunctionConfigRecord.reservedConcurrencies, required: true)
            return ["reservedConcurrency": .number(reserved ?? 0)]
        }
    }

    static func asyncInvokeFields(_ fields: [String: JSONValue]) throws(NimbusError) -> [String: JSONValue] {
        var kept: [String: JSONValue] = [:]
        if let age = try integer(fields, "maxAsyncEventAgeInSeconds", AsyncInvokePolicy.ageRange, required: false) {
            kept["maxAsyncEventAgeInSeconds"] = .number(age)
        }
        if let attempts = try integer(fields, "maxAsyncRetryAttempts", AsyncInvokePolicy.retryRange, required: false) {
            kept["maxAsyncRetryAttempts"] = .number(attempts)
        }
        if let stateful = fields["statefulInvocation"], stateful != .null {
            guard case .bool = stateful else { throw .invalidArgument("statefulInvocation must be a boolean") }
            kept["statefulInvocation"] = stateful
        }
        if let destinations = fields["destinationConfig"], destinations != .null {
            guard case .object(let routes) = destinations else {
                throw .invalidArgument("destinationConfig must be an object")
            }
            for (key, route) in routes where route != .null {
                guard ["onSuccess", "onFailure"].contains(key), let arn = route["destination"]?.stringValue else {
                    throw .invalidArgument("destinationConfig.\(key) must be {\"destination\": \"<ARN>\"}")
                }
                _ = try DestinationARN.parse(arn)
            }
            kept["destinationConfig"] = destinations
        }
        return kept
    }

    static func integer(_ fields: [String: JSONValue], _ key: String, _ bounds: ClosedRange<Int>, required: Bool)
        throws(NimbusError) -> Int?
    {
        guard let value = fields[key], value != .null else {
            if required { throw .invalidArgument("field '\(key)' is required") }
            return nil
        }
        guard case .number(let number) = value else {
            throw .invalidArgument("\(key) must be an integer from \(bounds.lowerBound) to \(bounds.upperBound)")
        }
        return try number.integer(key, in: bounds)
    }
}
