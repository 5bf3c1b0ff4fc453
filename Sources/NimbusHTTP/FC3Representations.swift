import Foundation
import NimbusCore

/// How FC 3.0 prints its resources (fc3-api spec 4): the 2.0 records underneath, in 3.0's shape.
enum FC3Representations {
    static func function(_ view: FC3Function, region: String, accountId: String) -> [String: JSONValue] {
        var function = Representations.function(view.function)
        function["fc3Fields"] = view.function.spec.fc3Fields.map(JSONValue.object)
        var fields = FC3Fields.fromCore(service: FCJSON.fields(of: view.service.spec), function: function)
        fields["functionName"] = .string(view.name)
        fields["functionArn"] = .string(arn(view.name, region: region, accountId: accountId))
        // Nimbus applies a write before it answers: a function is never Pending.
        fields["state"] = .string("Active")
        fields["stateReason"] = .string("")
        fields["lastUpdateStatus"] = .string("Successful")
        fields["lastUpdateStatusReason"] = .string("")
        return fields
    }

    static func arn(_ name: String, region: String, accountId: String) -> String {
        "acs:fc:\(region):\(accountId):functions/\(name)"
    }

    /// `triggerConfig` as a JSON string, and for HTTP triggers the URLs that answer them on this server.
    static func trigger(
        _ record: TriggerRecord, name: String, address: FC3Name, baseURL: String, region: String, accountId: String
    )
        throws(NimbusError) -> [String: JSONValue]
    {
        var fields = try ManagementAPI.trigger(record, version: .fc20210406)
        fields["serviceName"] = nil
        fields["functionName"] = nil
        let qualifier = record.spec.qualifier.flatMap { $0.isEmpty ? nil : $0 } ?? "LATEST"
        fields["qualifier"] = .string(qualifier)
        fields["status"] = .string("Success")
        fields["targetArn"] = .string(arn(name, region: region, accountId: accountId))
        if record.spec.triggerType == "http" {
            let url = "\(baseURL)\(CallRoute.proxyPrefix)\(address.service).\(qualifier)/\(address.function)/"
            fields["httpTrigger"] = .object(["urlInternet": .string(url), "urlIntranet": .string(url)])
        }
        return fields
    }
}
