import Foundation
import NimbusCore
import Testing

@Suite struct RequestAuthenticatorTests {
    let credentials = Credentials(
        accountId: "123", accessKeyId: "AK", accessKeySecret: "secret", securityToken: "token")
    let now = HTTPDate.parse("Mon, 02 Jan 2023 15:04:05 GMT")!

    func signed(
        date: String = "Mon, 02 Jan 2023 15:04:05 GMT", key: String = "AK", secret: String = "secret",
        extra: [(String, String)] = []
    ) -> FCSignature.Request {
        var request = FCSignature.Request(
            method: "GET", rawPath: "/2016-08-15/services", rawQuery: nil,
            headers: [("date", date), ("content-type", "application/json")] + extra)
        request.headers.append(("authorization", FCSignature.authorization(request, accessKeyId: key, secret: secret)))
        return request
    }

    func code(_ request: FCSignature.Request) -> NimbusError.Code? {
        do {
            _ = try RequestAuthenticator(credentials: credentials).verify(request, now: now)
            return nil
        } catch { return error.code }
    }

    @Test func acceptsAValidSignature() { #expect(code(signed()) == nil) }

    @Test func refusesAWrongSecret() { #expect(code(signed(secret: "other")) == .signatureNotMatch) }

    @Test func refusesAnUnknownKey() { #expect(code(signed(key: "NOPE")) == .invalidAccessKeyID) }

    @Test func refusesASkewedDate() {
        #expect(code(signed(date: "Mon, 02 Jan 2023 15:20:06 GMT")) == .requestTimeTooSkewed)
        #expect(code(signed(date: "Mon, 02 Jan 2023 14:49:00 GMT")) == .requestTimeTooSkewed)
        #expect(code(signed(date: "Mon, 02 Jan 2023 15:18:00 GMT")) == nil)
    }

    @Test func refusesAMissingAuthorizationOrDate() {
        let bare = FCSignature.Request(method: "GET", rawPath: "/2016-08-15/services", rawQuery: nil, headers: [])
        #expect(code(bare) == .missingRequiredHeader)
        var noDate = signed()
        noDate.headers.removeAll { $0.name == "date" }
        #expect(code(noDate) == .missingRequiredHeader)
    }

    @Test func checksTheSecurityToken() {
        #expect(code(signed(extra: [("x-fc-security-token", "token")])) == nil)
        #expect(code(signed(extra: [("x-fc-security-token", "stolen")])) == .invalidSecurityToken)
    }

    @Test func acceptsTheHTTPTriggerHelpersQueryInTheOrderSent() throws {
        var request = FCSignature.Request(
            method: "GET", rawPath: "/2016-08-15/proxy/s/f/items", rawQuery: "b=2&a=x+y%20z",
            headers: [("date", "Mon, 02 Jan 2023 15:04:05 GMT")])
        #expect(FCSignature.sentOrderResource(request) == "/2016-08-15/proxy/s/f/items\nb=2\na=x+y z")
        let toSign = FCSignature.stringToSign(request, resource: FCSignature.sentOrderResource(request))
        request.headers.append(("authorization", "FC AK:" + FCSignature.signature(toSign, secret: "secret")))
        #expect(code(request) == nil)
        request.rawQuery = "a=x+y%20z&b=2"
        #expect(code(request) == .signatureNotMatch, "the order is signed")
    }

    @Test func httpDateRoundTrips() {
        #expect(HTTPDate.format(now) == "Mon, 02 Jan 2023 15:04:05 GMT")
        #expect(HTTPDate.parse("not a date") == nil)
        #expect(HTTPDate.parse("Mon, 02 Jan 2023 15:04:05 GMT")?.timeIntervalSince1970 == 1_672_671_845)
        // Dates across leap years, centuries and month ends agree with Foundation's calendar both ways.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for seconds in stride(from: -2_208_988_800, to: 4_102_444_800, by: 7_777_777) + [951_782_400, 951_868_799] {
            let date = Date(timeIntervalSince1970: Double(seconds))
            #expect(HTTPDate.parse(HTTPDate.format(date)) == date, "\(HTTPDate.format(date))")
        }
        for impossible in [
            "Tue, 29 Feb 2023 00:00:00 GMT", "Sat, 31 Apr 2023 00:00:00 GMT", "Mon, 02 Jan 2023 24:00:00 GMT",
            "Mon, 02 Jan 2023 12:60:00 GMT", "Mon, 00 Jan 2023 12:00:00 GMT", "Mon, 02 Jan 2023 12:00:00 UTC",
        ] {
            #expect(HTTPDate.parse(impossible) == nil, "\(impossible)")
        }
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 23:59:59 GMT") != nil, "2000 is a leap year")
    }
}
