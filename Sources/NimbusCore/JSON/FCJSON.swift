import Foundation

/// JSON as FC's Go server reads and writes it: field names matched in any case, camelCase out.
package enum FCJSON {
    /// Fields whose values are maps of user-chosen keys; their keys are never rewritten.
    static let freeFormFields: Set<String> = [
        "triggerConfig", "environmentVariables", "tags", "additionalVersionWeight", "params",
        "customContainerConfig", "customDNS", "customHealthCheckConfig", "eventDetail", "fc3Fields",
    ]

    /// Every field name Nimbus reads, keyed by its lower-cased form.
    static let canonicalNames: [String: String] = {
        let names = [
            // service
            "serviceName", "description", "role", "logConfig", "project", "logstore", "enableRequestMetrics",
            "enableInstanceMetrics", "logBeginRule", "vpcConfig", "vpcId", "vSwitchIds", "securityGroupId",
            "internetAccess", "nasConfig", "userId", "groupId", "mountPoints", "serverAddr", "mountDir",
            "tracingConfig", "type", "params", "ossMountConfig", "bucketName", "bucketPath", "endpoint",
            "readOnly", "useSLRAuthentication",
            // function
            "functionName", "runtime", "handler", "code", "zipFile", "ossBucketName", "ossObjectName",
            "memorySize", "timeout", "initializer", "initializationTimeout", "environmentVariables",
            "instanceConcurrency", "caPort", "instanceType", "layers", "customContainerConfig",
            "customRuntimeConfig", "command", "args", "customDNS", "customHealthCheckConfig",
            "instanceLifecycleConfig", "preFreeze", "preStop", "cpu", "diskSize", "gpuMemorySize",
            "instanceSoftConcurrency",
            // trigger
            "triggerName", "triggerType", "triggerConfig", "sourceArn", "invocationRole", "qualifier",
            // tags and configs
            "resourceArn", "tags", "tagKeys", "all", "target", "maximumInstanceCount", "destinationConfig",
            "onSuccess", "onFailure", "destination", "maxAsyncEventAgeInSeconds", "maxAsyncRetryAttempts",
            "statefulInvocation", "scheduledActions", "targetTrackingPolicies", "alwaysAllocateCPU",
            // versions, aliases, domains (accepted now, served by later work)
            "versionId", "aliasName", "additionalVersionWeight", "domainName", "protocol", "routeConfig",
            "certConfig",
        ]
        return Dictionary(names.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    }()

    /// A decoder that maps `FunctionName` or `functionname` to `functionName`, but leaves the keys of
    /// free-form maps such as `triggerConfig` exactly as sent.
    package static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            let key = path[path.count - 1]
            for ancestor in path.dropLast() where freeFormFields.contains(ancestor.stringValue) {
                return key
            }
            if let canonical = canonicalNames[key.stringValue.lowercased()] { return AnyKey(canonical) }
            return key
        }
        return decoder
    }

    package static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Parses a request body that must be a JSON object, with canonical field names.
    package static func object(from body: some DataProtocol) throws(NimbusError) -> [String: JSONValue] {
        let data = Data(body)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: JSONValue
        do {
            value = try makeDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalidArgument("the request body is not valid JSON")
        }
        guard case .object(let fields) = value else {
            throw .invalidArgument("the request body must be a JSON object")
        }
        return fields
    }

    /// Decodes a typed value from canonical fields, naming the offending field on failure.
    package static func decode<T: Decodable>(
        _ type: T.Type, from fields: [String: JSONValue]
    ) throws(NimbusError) -> T {
        do {
            let data = try makeEncoder().encode(JSONValue.object(fields))
            return try makeDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw .invalidArgument(describe(error))
        } catch {
            throw .invalidArgument("invalid request body")
        }
    }

    /// Encodes a value into JSON fields (for merging a partial update into the stored value).
    package static func fields(of value: some Encodable) -> [String: JSONValue] {
        guard let data = try? makeEncoder().encode(value),
            case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return [:] }
        return fields
    }

    /// PUT semantics of FC: fields present in the patch replace whole values, absent or null ones keep theirs.
    package static func merge(_ base: [String: JSONValue], patch: [String: JSONValue]) -> [String: JSONValue] {
        var merged = base
        for (key, value) in patch where value != .null { merged[key] = value }
        return merged
    }

    static func describe(_ error: DecodingError) -> String {
        func name(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        // A number that does not fit the field's type: name the range the field takes.
        func outOfRange(_ context: DecodingError.Context) -> String? {
            let field = name(context.codingPath)
            return Validation.integerRanges[field].map {
                "\(field) must be an integer from \($0.lowerBound) to \($0.upperBound)"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return outOfRange(context) ?? "field '\(name(context.codingPath))' has the wrong type, expected \(type)"
        case .valueNotFound(_, let context):
            return "field '\(name(context.codingPath))' must not be null"
        case .keyNotFound(let key, let context):
            return "field '\(name(context.codingPath + [key]))' is required"
        case .dataCorrupted(let context):
            return outOfRange(context) ?? "field '\(name(context.codingPath))' is invalid"
        @unknown default:
            return "invalid request body"
        }
    }
}
