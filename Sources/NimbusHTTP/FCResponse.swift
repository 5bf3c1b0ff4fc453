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
        let data = (try? FCJSON.makeEncoder().encode(JSONValue.object(fields))) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let etag { headers[.eTag] = etag }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response { Response(status: .noContent) }

    /// FC's error body: `ErrorCode`, `ErrorMessage`, `RequestId` (plus `Code`/`Message` for 2021 clients).
    static func error(_ error: NimbusError, requestId: String) -> Response {
        var response = json(
            [
                "ErrorCode": .string(error.code.rawValue), "ErrorMessage": .string(error.message),
                "RequestId": .string(requestId), "Code": .string(error.code.rawValue),
                "Message": .string(error.message),
            ], status: error.code.httpStatus)
        response.headers[requestIdHeader] = requestId
        return response
    }
}
