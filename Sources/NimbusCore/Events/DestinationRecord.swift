import Foundation

/// The event a destination function receives: the original request and its outcome (FC's result callback).
package enum DestinationRecord {
    package static func payload(
        for event: AsyncEvent, condition: String, region: String, accountId: String, now: Date
    ) -> [UInt8] {
        let succeeded = event.status == .succeeded
        var response: [String: JSONValue] = ["statusCode": .number(succeeded ? 200 : 500)]
        if !succeeded { response["functionError"] = .string(condition) }
        let record: [String: JSONValue] = [
            "timestamp": .number((now.timeIntervalSince1970 * 1000).rounded()),
            "requestContext": .object([
                "requestId": .string(event.requestId),
                "functionArn": .string(DestinationARN.format(event.target, region: region, accountId: accountId)),
                "condition": .string(condition),
                "approximateInvokeCount": .number(Double(max(1, event.attempts))),
            ]),
            "requestPayload": .string(String(decoding: event.payload, as: UTF8.self)),
            "responseContext": .object(response),
            "responsePayload": .string(
                String(decoding: event.result ?? Array((event.errorMessage ?? "").utf8), as: UTF8.self)),
        ]
        return Array((try? FCJSON.makeEncoder().encode(JSONValue.object(record))) ?? Data())
    }
}
