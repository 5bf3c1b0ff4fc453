import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore

/// Builders for the JSON responses of the FC API.
package enum FCResponse {
    static let requestIdHeader = HTTPField.Name("x-fc-request-id")!

    package static func json(_ fields: [String: JSONValue], status: HTTPResponse.Status = .ok, etag: String? = nil)
        -> Response
    {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let etag { headers[.eTag] = etag }
        return Response(status: status, headers: headers, body: .init(byteBuffer: body(fields)))
    }

    /// A JSON object's bytes (encoding JSON values cannot fail; `{}` if it ever did).
    static func body(_ fields: [String: JSONValue]) -> ByteBuffer {
        ByteBuffer(bytes: (try? FCJSON.makeEncoder().encode(JSONValue.object(fields))) ?? Data("{}".utf8))
    }

    static func noContent() -> Response { Response(status: .noContent) }

    /// FC's error body: `ErrorCode`, `ErrorMessage`, `RequestId` (plus `Code`/`Message` for 2021 clients).
    static func error(_ error: NimbusError, requestId: String) -> Response {
        let (head, body) = errorParts(error, requestId: requestId)
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: body))
    }

    /// The same error as a head and a body, for the warm lane, which writes them on the channel itself.
    static func errorParts(_ error: NimbusError, requestId: String) -> (HTTPResponse, ByteBuffer) {
        let fields: [String: JSONValue] = [
            "ErrorCode": .string(error.code.rawValue), "ErrorMessage": .string(error.message),
            "RequestId": .string(requestId), "Code": .string(error.code.rawValue), "Message": .string(error.message),
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[requestIdHeader] = requestId
        return (HTTPResponse(status: error.code.httpStatus, headerFields: headers), body(fields))
    }
}
