import Foundation
import NimbusCore
import Testing

/// The worked examples of spec section 2.4, computed with the SDK's own signer.
@Suite struct FCSignatureTests {
    static let keyId = "AKIDEXAMPLE123"
    static let secret = "SecretEXAMPLEkey456"
    static let date = "Mon, 02 Jan 2023 15:04:05 GMT"

    static func request(_ method: String, _ path: String, query: String? = nil, extra: [(String, String)] = [])
        -> FCSignature.Request
    {
        FCSignature.Request(
            method: method, rawPath: path, rawQuery: query,
            headers: [("Content-Type", "application/json"), ("Date", date), ("Host", "127.0.0.1:8080")] + extra)
    }

    @Test func invocationExample() {
        let request = Self.request(
            "POST", "/2016-08-15/services/demo/functions/hello/invocations",
            extra: [("x-fc-invocation-type", "Sync"), ("X-Fc-Log-Type", "Tail")])
        #expect(
            FCSignature.stringToSign(request)
                == "POST\n\napplication/json\n\(Self.date)\nx-fc-invocation-type:Sync\nx-fc-log-type:Tail\n"
                + "/2016-08-15/services/demo/functions/hello/invocations")
        #expect(
            FCSignature.authorization(request, accessKeyId: Self.keyId, secret: Self.secret)
                == "FC AKIDEXAMPLE123:gjAreN7h9QMQcdCfZqyR/1VAD3HeDlKkn+pyY1TG6uc=")
    }

    @Test func proxyExampleSignsSortedQueryLines() {
        let request = Self.request("GET", "/2016-08-15/proxy/demo/web/api/items", query: "b=2&a=1&tag=x&tag=y")
        #expect(
            FCSignature.canonicalResource(request) == "/2016-08-15/proxy/demo/web/api/items\na=1\nb=2\ntag=x\ntag=y")
        #expect(
            FCSignature.signature(FCSignature.stringToSign(request), secret: Self.secret)
                == "5VmYwADEkupy6aihP5NsitpGFsGmbQwxzoUHUc/KZUA=")
    }

    @Test func proxyWithoutQueryKeepsTrailingNewline() {
        let request = Self.request("GET", "/2016-08-15/proxy/demo/web/")
        #expect(FCSignature.canonicalResource(request) == "/2016-08-15/proxy/demo/web/\n")
        #expect(
            FCSignature.signature(FCSignature.stringToSign(request), secret: Self.secret)
                == "ebactg658SdtWeAzhtnmAGwdhsEYabaIxoKtyW9kj6U=")
    }

    @Test func managementQueryIsNotSignedButTokenIs() {
        let request = Self.request(
            "GET", "/2016-08-15/services", query: "limit=2&prefix=a", extra: [("x-fc-security-token", "TOKEN123")])
        #expect(
            FCSignature.signature(FCSignature.stringToSign(request), secret: Self.secret)
                == "LYzozC8NOVoK6WNtJYjX0GpV7DwNVBqJ+e7Ob90MsMA=")
    }

    @Test func pathIsSignedDecoded() {
        let encoded = Self.request("GET", "/2016-08-15/services/a%5Fb")
        #expect(FCSignature.canonicalResource(encoded) == "/2016-08-15/services/a_b")
    }

    @Test func formQueryDecodesPlusAndBareKeys() {
        let pairs = FormQuery.pairs("q=a+b%21&flag&empty=")
        #expect(pairs.map(\.key) == ["q", "flag", "empty"])
        #expect(pairs.map(\.value) == ["a b!", "", ""])
    }

    @Test(arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "abcd", false), ("", "", true)])
    func constantTimeEquality(a: String, b: String, equal: Bool) {
        #expect(FCSignature.constantTimeEquals(a, b) == equal)
    }
}
