import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore

extension TestServer {
    /// How a test request is signed.
    package enum Scheme: Sendable {
        /// `FC <id>:<sig>`, as aliyun-fc2 signs.
        case fc
        /// ACS3-HMAC-SHA256, as the 2021-04-06 and 2023-03-30 SDKs sign.
        case acs3
    }

    /// Headers of a request signed with ACS3-HMAC-SHA256 as the 2021-04-06 SDK signs it (every header it
    /// sets is signed; `host` is the live test client's authority).
    package static func acs3Headers(
        _ method: HTTPRequest.Method, _ path: String, query: String? = nil, body: String = "", extra: HTTPFields = [:],
        secret: String = credentials.accessKeySecret, date: Date = Date(), nonce: String = UUID().uuidString,
        host: String = "localhost"
    ) -> HTTPFields {
        var headers = extra
        let payloadHash = ACS3Signature.payloadHash(Data(body.utf8))
        headers[HTTPField.Name("x-acs-date")!] = FCTime.string(date)
        headers[HTTPField.Name("x-acs-signature-nonce")!] = nonce
        headers[HTTPField.Name("x-acs-content-sha256")!] = payloadHash
        headers[HTTPField.Name("x-acs-version")!] = "2021-04-06"
        headers[.accept] = "application/json"
        let request = FCSignature.Request(
            method: method.rawValue, rawPath: path, rawQuery: query,
            headers: headers.map { ($0.name.canonicalName, $0.value) } + [("host", host)])
        do {
            headers[.authorization] = try ACS3Signature.authorization(
                request, accessKeyId: credentials.accessKeyId, secret: secret, payloadHash: payloadHash)
        } catch {
            preconditionFailure("a request with every header it signs cannot fail to sign: \(error)")
        }
        return headers
    }
}
