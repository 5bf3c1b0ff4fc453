import Foundation
import NIOCore
import Testing

@testable import NimbusCore

/// ``RequestAuthenticator`` on ACS3-HMAC-SHA256: requests recorded from `alibabacloud_fc_open20210406` 2.0.12
/// (its own signer, key pair of fc3-api spec 2.5) verify; every kind of tampering is refused by its code.
@Suite struct ACS3AuthenticatorTests {
    static let credentials = Credentials(
        accountId: "123", accessKeyId: "AKIDEXAMPLE123", accessKeySecret: "SecretEXAMPLEkey456",
        securityToken: "token")
    static let userAgent = "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"

    /// A request as the SDK sent it to a capture server on 127.0.0.1:33497.
    struct Recorded: Sendable, CustomStringConvertible {
        var action, method, path: String
        var query: String?
        var nonce, payloadHash, signature: String
        var contentType: String?
        var extra: [(String, String)] = []
        var description: String { action }

        var request: FCSignature.Request {
            var headers = [
                ("Accept-Encoding", "identity"), ("host", "127.0.0.1:33497"), ("x-acs-version", "2021-04-06"),
                ("x-acs-action", action), ("user-agent", ACS3AuthenticatorTests.userAgent),
                ("x-acs-date", "2026-12-04T19:38:26Z"), ("x-acs-signature-nonce", nonce),
                ("accept", "application/json"), ("x-acs-content-sha256", payloadHash),
                ("x-acs-credentials-provider", "static_ak"),
            ]
            if let contentType { headers.append(("content-type", contentType)) }
            headers += extra
            let signed = headers.map { $0.0.lowercased() }.filter { $0 != "accept-encoding" }.sorted()
            headers.append(
                (
                    "Authorization",
                    ACS3Signature.Authorization(
                        credential: "AKIDEXAMPLE123", signedHeaders: signed, signature: signature
                    ).header
                ))
            return FCSignature.Request(method: method, rawPath: path, rawQuery: query, headers: headers)
        }
    }

    static let recorded = [
        Recorded(
            action: "ListServices", method: "GET", path: "/2021-04-06/services",
            query: "limit=2&prefix=my+fn%2F%C3%BC%2A", nonce: "f84c6e6b265422817e427eb999f4552d",
            payloadHash: ACS3Signature.emptyPayloadHash,
            signature: "eb69b90d5dff056583892f11ff64040c2606fd962f6f95c12d86b336c33d5831"),
        Recorded(
            action: "GetFunction", method: "GET", path: "/2021-04-06/services/svc/functions/fn%20with%20space",
            query: "qualifier=prod", nonce: "1aa9fb9661cc256b764b27744773f900",
            payloadHash: ACS3Signature.emptyPayloadHash,
            signature: "b8dd5048bd1777f9a0518808fbb0682bb429848982cc9b3b434396a3567326ef"),
        Recorded(
            action: "CreateService", method: "POST", path: "/2021-04-06/services",
            nonce: "c9177246e8c0b211b6696242743edbef",
            payloadHash: "698953dd28855f5ae79ab6f840ce6b7b637ccba4d4d314087145a2b3b7d468a4",
            signature: "263c591dea1a3d8fd53093aec1a20543693ddf12dc423b21888d1874ba55b22d",
            contentType: "application/json; charset=utf-8"),
    ]
    static let createServiceBody = #"{"description":"dé","serviceName":"svc"}"#
    static let now = Date(timeIntervalSince1970: Double(ACS3Date.parse("2026-12-04T19:38:26Z")!))

    func verify(_ request: FCSignature.Request, _ authenticator: RequestAuthenticator? = nil, now: Date = Self.now)
        throws(NimbusError) -> PayloadCheck
    {
        try (authenticator ?? RequestAuthenticator(credentials: Self.credentials)).verify(request, now: now)
    }

    func code(_ request: FCSignature.Request, now: Date = Self.now) -> NimbusError.Code? {
        do throws(NimbusError) {
            _ = try verify(request, now: now)
            return nil
        } catch { return error.code }
    }

    @Test(arguments: recorded) func acceptsWhatTheSDKSigned(_ recorded: Recorded) throws {
        let check = try verify(recorded.request)
        #expect(check.expectedHash == recorded.payloadHash)
    }

    @Test func theBodyMustBeTheOneSigned() throws {
        let check = try verify(Self.recorded[2].request)
        try check.verify(body: ByteBuffer(string: Self.createServiceBody))
        #expect(throws: NimbusError.self) { try check.verify(body: ByteBuffer(string: #"{"serviceName":"evil"}"#)) }
    }

    @Test func refusesAWrongSecretOrKey() {
        var request = Self.recorded[0].request
        request.headers.removeAll { $0.name == "authorization" }
        request.headers.append(
            (
                "authorization",
                try! ACS3Signature.authorization(
                    request, accessKeyId: "AKIDEXAMPLE123", secret: "wrong", payloadHash: ACS3Signature.emptyPayloadHash
                )
            ))
        #expect(code(request) == .signatureNotMatch)
        var unknown = Self.recorded[0].request
        unknown.headers = unknown.headers.map {
            $0.name == "authorization"
                ? ($0.name, $0.value.replacingOccurrences(of: "AKIDEXAMPLE123", with: "AKNOPE")) : $0
        }
        #expect(code(unknown) == .invalidAccessKeyID)
    }

    @Test func refusesChangedSignedPartsButNotUnsignedHeaders() {
        func changed(_ change: (inout FCSignature.Request) -> Void) -> NimbusError.Code? {
            var request = Self.recorded[1].request
            change(&request)
            return code(request)
        }
        #expect(changed { $0.rawPath = "/2021-04-06/services/svc/functions/fn%20with%20spacf" } == .signatureNotMatch)
        #expect(changed { $0.rawQuery = "qualifier=test" } == .signatureNotMatch)
        #expect(changed { $0.method = "DELETE" } == .signatureNotMatch)
        #expect(
            changed { $0.headers = $0.headers.map { $0.name == "x-acs-action" ? ($0.name, "DeleteFunction") : $0 } }
                == .signatureNotMatch)
        #expect(changed { $0.headers.removeAll { $0.name == "user-agent" } } == .signatureNotMatch)
        // Headers the client added after signing (Accept-Encoding, Content-Length, Connection) are not signed.
        #expect(changed { $0.headers.append(("connection", "keep-alive")) } == nil)
        #expect(changed { $0.headers.removeAll { $0.name == "accept-encoding" } } == nil)
    }

    @Test func refusesSkewAndReplays() throws {
        #expect(code(Self.recorded[0].request, now: Self.now.addingTimeInterval(15 * 60 + 1)) == .requestTimeTooSkewed)
        #expect(code(Self.recorded[0].request, now: Self.now.addingTimeInterval(-15 * 60 - 1)) == .requestTimeTooSkewed)
        let authenticator = RequestAuthenticator(credentials: Self.credentials)
        _ = try verify(Self.recorded[0].request, authenticator, now: Self.now.addingTimeInterval(14 * 60))
        #expect(throws: NimbusError.self) {
            try verify(Self.recorded[0].request, authenticator, now: Self.now.addingTimeInterval(14 * 60 + 30))
        }
        // A copy of the authenticator shares the one ledger (the lane and the middleware hold copies).
        let copy = authenticator
        do throws(NimbusError) {
            _ = try verify(Self.recorded[0].request, copy)
            Issue.record("a replay through a copy was accepted")
        } catch { #expect(error.code == .signatureNonceUsed) }
        _ = try verify(Self.recorded[1].request, copy)
    }

    @Test func requiresTheDateHostAndNonceToBeSigned() {
        for name in ["host", "x-acs-date", "x-acs-signature-nonce"] {
            var request = Self.recorded[0].request
            request.headers = request.headers.map { header in
                guard header.name == "authorization" else { return header }
                let value = header.value.replacingOccurrences(of: ";\(name);", with: ";")
                    .replacingOccurrences(of: "=\(name);", with: "=")
                return (header.name, value)
            }
            #expect(code(request) == .invalidArgument, "\(name)")
        }
        var noHash = Self.recorded[0].request
        noHash.headers.removeAll { $0.name == "x-acs-content-sha256" }
        #expect(code(noHash) == .missingRequiredHeader)
    }

    @Test func securityTokensAreCheckedOrRefused() throws {
        func sts(_ token: String, credentials: Credentials = Self.credentials) -> NimbusError.Code? {
            var request = Self.recorded[0].request
            request.headers.removeAll { $0.name == "authorization" }
            request.headers.append(("x-acs-security-token", token))
            request.headers.append(("x-acs-signature-nonce", UUID().uuidString))
            request.headers.removeAll { $0.name == "x-acs-signature-nonce" && $0.value == Self.recorded[0].nonce }
            request.headers.append(
                (
                    "authorization",
                    try! ACS3Signature.authorization(
                        request, accessKeyId: credentials.accessKeyId, secret: credentials.accessKeySecret,
                        payloadHash: ACS3Signature.emptyPayloadHash)
                ))
            do throws(NimbusError) {
                _ = try RequestAuthenticator(credentials: credentials).verify(request, now: Self.now)
                return nil
            } catch { return error.code }
        }
        #expect(sts("token") == nil)
        #expect(sts("stolen") == .invalidSecurityToken)
        var noSTS = Self.credentials
        noSTS.securityToken = nil
        #expect(sts("token", credentials: noSTS) == .invalidSecurityToken)
    }
}
