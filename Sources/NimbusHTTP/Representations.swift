import Foundation
import NimbusCore

/// How FC prints each resource. Specs are echoed with their defaults; metadata is added around them.
enum Representations {
    static func meta(_ meta: ResourceMeta, idKey: String, nameKey: String) -> [String: JSONValue] {
        [
            idKey: .string(meta.id), nameKey: .string(meta.name),
            "createdTime": .string(FCTime.string(meta.createdTime)),
            "lastModifiedTime": .string(FCTime.string(meta.lastModifiedTime)),
        ]
    }

    static func service(_ record: ServiceRecord) -> [String: JSONValue] {
        var fields = FCJSON.fields(of: record.spec)
        fields["holdsFC3Function"] = nil
        return fields.merging(meta(record.meta, idKey: "serviceId", nameKey: "serviceName")) { $1 }
    }

    static func function(_ record: FunctionRecord) -> [String: JSONValue] {
        var fields = FCJSON.fields(of: record.spec)
        fields["fc3Fields"] = nil  // FC 3.0's own fields: only its view shows them (FC3Fields.fromCore)
        fields.merge(meta(record.meta, idKey: "functionId", nameKey: "functionName")) { $1 }
        fields["codeSize"] = .number(Double(record.code.size))
        fields["codeChecksum"] = .string(record.code.checksum)
        // The 2021-04-06 SDK reads layers here too.
        fields["layersArnV2"] = fields["layers"] ?? .array([])
        return fields
    }

    static func trigger(_ record: TriggerRecord) -> [String: JSONValue] {
        FCJSON.fields(of: record.spec).merging(meta(record.meta, idKey: "triggerId", nameKey: "triggerName")) { $1 }
    }

    static func config(_ record: FunctionConfigRecord, accountId: String, current: Int = 0) -> [String: JSONValue] {
        var fields = record.fields
        switch record.kind {
        case .provision:
            fields["resource"] = .string(
                "\(accountId)#\(record.serviceName)#\(record.qualifier)#\(record.functionName)")
            fields["current"] = .number(Double(current))
        case .onDemand:
            fields["resource"] = .string(
                "services/\(record.serviceName).\(record.qualifier)/functions/\(record.functionName)")
        case .asyncInvoke:
            fields["service"] = .string(record.serviceName)
            fields["function"] = .string(record.functionName)
            fields["qualifier"] = .string(record.qualifier)
            fields["createdTime"] = .string(FCTime.string(record.createdTime))
            fields["lastModifiedTime"] = .string(FCTime.string(record.lastModifiedTime))
        case .concurrency:
            break
        }
        return fields
    }

    static func version(_ record: VersionRecord) -> [String: JSONValue] {
        [
            "versionId": .string(String(record.versionId)), "description": .string(record.description),
            "createdTime": .string(FCTime.string(record.createdTime)),
            "lastModifiedTime": .string(FCTime.string(record.createdTime)),
        ]
    }

    static func alias(_ record: AliasRecord) -> [String: JSONValue] {
        [
            "aliasName": .string(record.name), "versionId": .string(record.spec.versionId),
            "description": .string(record.spec.description),
            "additionalVersionWeight": .object(record.spec.additionalVersionWeight.mapValues { .number($0) }),
            "createdTime": .string(FCTime.string(record.meta.createdTime)),
            "lastModifiedTime": .string(FCTime.string(record.meta.lastModifiedTime)),
        ]
    }

    /// The private key is never echoed.
    static func domain(_ record: CustomDomainRecord, accountId: String) -> [String: JSONValue] {
        var spec = record.spec
        spec.certConfig?.privateKey = nil
        var fields = FCJSON.fields(of: spec)
        fields["protocol"] = .string(record.spec.protocol ?? "HTTP")
        fields["routeConfig"] = fields["routeConfig"] ?? .object(["routes": .array([])])
        fields["domainName"] = .string(record.domainName)
        fields["accountId"] = .string(accountId)
        fields["apiVersion"] = .string("2016-08-15")
        fields["createdTime"] = .string(FCTime.string(record.createdTime))
        fields["lastModifiedTime"] = .string(FCTime.string(record.lastModifiedTime))
        return fields
    }

    /// A list body: `{<key>: [...], nextToken?}`.
    static func list(_ key: String, _ items: [[String: JSONValue]], nextToken: String?) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [key: .array(items.map(JSONValue.object))]
        if let nextToken { fields["nextToken"] = .string(nextToken) }
        return fields
    }
}
