import Foundation
import NIOCore
import PropertyBased
import Testing

@testable import NimbusCore

/// The ACS3 parser and verifier under generated hostile input: every request returns or throws
/// `NimbusError`, none traps.
extension HostileInputTests {
    static let acs3Pieces = Gen.element(of: [
        "ACS3-HMAC-SHA256", "ACS3-HMAC-SHA256 ", "Credential=", "Credential=AK", "SignedHeaders=",
        "SignedHeaders=host;x-acs-date;x-acs-signature-nonce", ";;", ";", "Signature=", "Signature=zz",
        "Signature=" + String(repeating: "a", count: 64), "Signature=abc", ",", ",,", "=", "==", " ", "\u{0}", "é",
        "%", "%FF", "+", "x-acs-date", "9999-99-99T99:99:99Z", "2026-01-02T03:04:05Z", "-9223372036854775808",
    ]).compactMap { $0 }.array(of: 0...9).map { $0.joined() }

    @Test func acs3AuthorizationHeadersParseOrAreRefused() async {
        await propertyCheck(input: Self.acs3Pieces) { header in
            Self.noTrap { () throws(NimbusError) in try ACS3Signature.Authorization(parsing: header) }
            _ = ACS3Date.parse(header)
            _ = ACS3Signature.canonicalQuery(header)
        }
    }

    @Test func acs3RequestsWithHostileHeadersAreRefused() async {
        let credentials = Credentials(accountId: "1", accessKeyId: "AK", accessKeySecret: "s", securityToken: nil)
        let names = Gen.element(of: [
            "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-security-token", "host",
        ]).compactMap { $0 }
        await propertyCheck(input: names, Self.hostileText, Self.acs3Pieces, Self.hostileText) {
            name, value, authorization, query in
            let request = FCSignature.Request(
                method: "GET", rawPath: "/2021-04-06/" + value, rawQuery: query,
                headers: [
                    ("authorization", "ACS3-HMAC-SHA256 " + authorization), ("host", value),
                    ("x-acs-date", "2026-01-02T03:04:05Z"), ("x-acs-signature-nonce", value),
                    ("x-acs-content-sha256", ACS3Signature.emptyPayloadHash), (name, value),
                ])
            Self.noTrap { () throws(NimbusError) in
                let check = try RequestAuthenticator(credentials: credentials).verify(request, now: Date())
                try check.verify(body: ByteBuffer(string: value))
            }
        }
    }

    @Test func acs3RequestsSignedWithHostileValuesVerify() async {
        // Whatever the path, query and header values, a request signed the SDK's way verifies: the
        // canonical form the server rebuilds is the one the signer built.
        let credentials = Credentials(accountId: "1", accessKeyId: "AK", accessKeySecret: "s", securityToken: nil)
        await propertyCheck(input: Self.hostileText, Self.hostileText) { value, query in
            let now = Date(timeIntervalSince1970: 1_767_323_045)
            var request = FCSignature.Request(
                method: "POST", rawPath: "/2021-04-06/services", rawQuery: query,
                headers: [
                    ("host", "127.0.0.1"), ("x-acs-date", "2026-01-02T03:04:05Z"),
                    ("x-acs-signature-nonce", UUID().uuidString),
                    ("x-acs-content-sha256", ACS3Signature.emptyPayloadHash),
                    ("x-test", value),
                ])
            do throws(NimbusError) {
                request.headers.append(
                    (
                        "authorization",
                        try ACS3Signature.authorization(
                            request, accessKeyId: "AK", secret: "s", payloadHash: ACS3Signature.emptyPayloadHash)
                    ))
                _ = try RequestAuthenticator(credentials: credentials).verify(request, now: now)
            } catch {
                Issue.record("\(error) for value '\(value)' query '\(query)'")
            }
        }
    }
}
