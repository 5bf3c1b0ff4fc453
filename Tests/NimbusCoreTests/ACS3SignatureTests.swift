import Crypto
import Foundation
import NIOCore
import Testing

@testable import NimbusCore

/// The worked examples of fc3-api spec 2.5 (the SDK's own signer, re-checked independently) and the
/// verifier's refusals.
@Suite struct ACS3SignatureTests {
    static let keyId = "AKIDEXAMPLE123"
    static let secret = "SecretEXAMPLEkey456"
    static let date = "2026-01-02T03:04:05Z"
    static let nonce = "0123456789abcdef0123456789abcdef"

    static func request(
        _ method: String, _ path: String, query: String?, action: String, payloadHash: String,
        extra: [(String, String)] = []
    ) -> FCSignature.Request {
        FCSignature.Request(
            method: method, rawPath: path, rawQuery: query,
            headers: [
                ("accept", "application/json"), ("host", "fcv3.cn-hangzhou.aliyuncs.com"),
                ("user-agent", "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"),
                ("x-acs-action", action), ("x-acs-content-sha256", payloadHash),
                ("x-acs-credentials-provider", "static_ak"), ("x-acs-date", date), ("x-acs-signature-nonce", nonce),
                ("x-acs-version", "2023-03-30"),
            ] + extra)
    }

    static let listFunctions = request(
        "GET", "/2023-03-30/functions", query: "fcVersion=v3&limit=10&prefix=my+fn%2F%C3%BC%2A",
        action: "ListFunctions",
        payloadHash: ACS3Signature.emptyPayloadHash)

    @Test func exampleAListFunctions() throws {
        let names = Array(Set(Self.listFunctions.headers.map(\.name))).sorted()
        let canonical = try ACS3Signature.canonicalRequest(
            Self.listFunctions, signedHeaders: names, payloadHash: ACS3Signature.emptyPayloadHash)
        #expect(
            canonical == """
                GET
                /2023-03-30/functions
                fcVersion=v3&limit=10&prefix=my%20fn%2F%C3%BC%2A
                accept:application/json
                host:fcv3.cn-hangzhou.aliyuncs.com
                user-agent:AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2
                x-acs-action:ListFunctions
                x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-acs-credentials-provider:static_ak
                x-acs-date:2026-01-02T03:04:05Z
                x-acs-signature-nonce:0123456789abcdef0123456789abcdef
                x-acs-version:2023-03-30

                accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;\
                x-acs-date;x-acs-signature-nonce;x-acs-version
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        let toSign = ACS3Signature.stringToSign(canonicalRequest: canonical)
        #expect(toSign == "ACS3-HMAC-SHA256\n7e0c87df165d56f587cde04d4f5c4f1d08b9c896adc3d2134c34f2a4b6ac8ae1")
        #expect(
            ACS3Signature.signature(stringToSign: toSign, secret: Self.secret)
                == "86b3185dc7b0f2ea08318716c3b45d4fbd06c7cdbb424c684532b4df8e776a3d")
    }

    @Test func exampleBInvokeFunction() throws {
        let body = #"{"k":1}"#
        let hash = ACS3Signature.payloadHash(Data(body.utf8))
        #expect(hash == "a0da1fce57d0e4f9f0ae4e4cbe040d34dcc046255c6c8d18e97f55aaed0655f0")
        let request = Self.request(
            "POST", "/2023-03-30/functions/hello/invocations", query: "qualifier=prod", action: "InvokeFunction",
            payloadHash: hash,
            extra: [
                ("content-type", "application/octet-stream"), ("x-fc-invocation-type", "Sync"),
                ("x-fc-log-type", "Tail"),
            ])
        let header = try ACS3Signature.authorization(
            request, accessKeyId: Self.keyId, secret: Self.secret, payloadHash: hash)
        #expect(
            header == "ACS3-HMAC-SHA256 Credential=AKIDEXAMPLE123,SignedHeaders=accept;content-type;host;user-agent;"
                + "x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;"
                + "x-acs-version;x-fc-invocation-type;x-fc-log-type,"
                + "Signature=09f301df9618a92a0ce09ef0e1ba28fa2b8e900973ea45a3f84990a2e810b785")
    }

    @Test(arguments: [
        ("", ""), ("a=1&b=2", "a=1&b=2"), ("b=2&a=1", "a=1&b=2"), ("k=", "k="), ("k", "k="),
        ("q=a+b%20c", "q=a%20b%20c"), ("q=%7E*'()!", "q=~%2A%27%28%29%21"), ("q=%FF%fe", "q=%FF%FE"),
        ("q=%zz%", "q=%25zz%25"), ("&&a=1&", "a=1"), ("x=1=2", "x=1%3D2"), ("B=1&a=1", "B=1&a=1"),
    ])
    func canonicalQuery(_ raw: String, _ canonical: String) {
        #expect(ACS3Signature.canonicalQuery(raw) == canonical)
    }

    @Test func headerValuesAreTrimmedAndRepeatedOnesJoinedSorted() throws {
        let request = FCSignature.Request(
            method: "get", rawPath: "", rawQuery: nil,
            headers: [("Host", " h "), ("X-A", " 2 "), ("x-a", "1\t"), ("x-b", " in  side "), ("x-c", "\r\n")])
        let canonical = try ACS3Signature.canonicalRequest(
            request, signedHeaders: ["host", "x-a", "x-b", "x-c"], payloadHash: "p")
        #expect(canonical == "GET\n/\n\nhost:h\nx-a:1,2\nx-b:in  side\nx-c:\n\nhost;x-a;x-b;x-c\np")
    }

    @Test func parsesTheAuthorizationHeaderStrictly() throws {
        let parsed = try ACS3Signature.Authorization(
            parsing: "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=ab")
        #expect(parsed == .init(credential: "AK", signedHeaders: ["host", "x-acs-date"], signature: "ab"))
        for bad in [
            "ACS3-HMAC-SHA256", "ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA256 Credential=AK",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=",
            "ACS3-HMAC-SHA256 Credential=AK,Credential=AK,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;;date,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=ab,Extra=1",
            "ACS3-HMAC-SHA1 Credential=AK,SignedHeaders=host,Signature=ab",
        ] {
            #expect(throws: NimbusError.self, "\(bad)") { try ACS3Signature.Authorization(parsing: bad) }
        }
    }

    @Test func datesParseExactly() {
        #expect(ACS3Date.parse("2026-01-02T03:04:05Z") == 1_767_323_045)
        #expect(ACS3Date.parse("2024-02-29T23:59:60Z") != nil)
        for bad in [
            "2023-02-29T00:00:00Z", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-13-02T03:04:05Z",
            "2026-01-02T24:04:05Z", "+026-01-02T03:04:05Z", "2026-01-02T03:04:05.000Z", "", "0000-01-01T00:00:00Z",
        ] {
            #expect(ACS3Date.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func payloadCheckComparesTheBodyHash() throws {
        let check = PayloadCheck(expectedHash: ACS3Signature.payloadHash(Data("{}".utf8)))
        try check.verify(body: ByteBuffer(string: "{}"))
        #expect(
            throws: NimbusError(
                .signatureNotMatch,
                "x-acs-content-sha256 '\(check.expectedHash!)' is not the SHA-256 of the request body")
        ) {
            try check.verify(body: ByteBuffer(string: "{ }"))
        }
        try PayloadCheck.none.verify(body: ByteBuffer(string: "anything"))
    }
}
