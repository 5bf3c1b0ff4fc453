import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import NimbusServer

/// A real Nimbus application on port 0 with a fresh data dir and known credentials, for live tests.
package enum TestServer {
    package static let credentials = Credentials(
        accountId: "1234567890", accessKeyId: "AKIDTEST", accessKeySecret: "test-secret", securityToken: "test-token")

    package static func configuration(dataDirectory: URL? = nil) -> NimbusConfiguration {
        var configuration = NimbusConfiguration()
        configuration.port = 0
        configuration.dataDirectory =
            (dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-live-\(UUID())"))
            .path
        configuration.accountId = credentials.accountId
        configuration.accessKeyId = credentials.accessKeyId
        configuration.accessKeySecret = credentials.accessKeySecret
        configuration.securityToken = credentials.securityToken
        return configuration
    }

    /// Runs `body` against a live server, as a client on loopback would reach it.
    package static func withLiveServer<Value: Sendable>(
        _ configuration: NimbusConfiguration = configuration(),
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let app = try await NimbusServer.makeApplication(configuration)
        return try await app.test(.live, body)
    }

    /// Headers of a request signed like the FC SDKs sign it.
    package static func signedHeaders(
        _ method: HTTPRequest.Method, _ path: String, query: String? = nil, extra: HTTPFields = [:],
        secret: String = credentials.accessKeySecret, date: Date = Date()
    ) -> HTTPFields {
        var headers = extra
        headers[.date] = HTTPDate.format(date)
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let request = FCSignature.Request(
            method: method.rawValue, rawPath: path, rawQuery: query,
            headers: headers.map { ($0.name.canonicalName, $0.value) })
        headers[.authorization] = FCSignature.authorization(
            request, accessKeyId: credentials.accessKeyId, secret: secret)
        return headers
    }
}

extension TestClientProtocol {
    /// Sends a signed request with an optional JSON body.
    package func signed(
        _ method: HTTPRequest.Method, _ path: String, scheme: TestServer.Scheme = .fc, query: String? = nil,
        json: String? = nil, extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        let headers =
            switch scheme {
            case .fc: TestServer.signedHeaders(method, path, query: query, extra: extra)
            case .acs3: TestServer.acs3Headers(method, path, query: query, body: json ?? "", extra: extra)
            }
        let uri = query.map { "\(path)?\($0)" } ?? path
        return try await executeRequest(
            uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}
