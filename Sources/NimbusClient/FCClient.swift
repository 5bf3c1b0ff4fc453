import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

/// A small signed client of the FC API, for the `nimbus` command line.
package struct FCClient: Sendable {
    package struct Reply: Sendable {
        package var status: Int
        package var body: Data
        /// Response headers, names lowercased (the last value of a repeated one).
        package var headers: [String: String] = [:]
    }

    let endpoint: String
    let accessKeyId: String
    let accessKeySecret: String

    package init(endpoint: String, accessKeyId: String, accessKeySecret: String) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
    }

    /// Sends one signed request; `path` is unescaped, `query` already encoded.
    package func send(
        _ method: String, _ path: String, query: String? = nil, body: Data? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> Reply {
        let encodedPath = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        var request = HTTPClientRequest(url: endpoint + encodedPath + (query.map { "?\($0)" } ?? ""))
        request.method = HTTPMethod(rawValue: method)
        let date = HTTPDate.format(Date())
        request.headers.add(name: "date", value: date)
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        let signed = FCSignature.Request(
            method: method, rawPath: encodedPath, rawQuery: query,
            headers: [("date", date), ("content-type", "application/json")] + extra)
        request.headers.add(
            name: "authorization",
            value: FCSignature.authorization(signed, accessKeyId: accessKeyId, secret: accessKeySecret))
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let data = try await response.body.collect(upTo: 256 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), body: Data(data.readableBytesView), headers: headers)
    }
}
