import Foundation

/// The one verifier of signed requests: the FC scheme (`FC <id>:<sig>`) and ACS3-HMAC-SHA256, on every
/// prefix. The router's middleware, HTTP triggers and the warm lane all call ``verify(_:now:)``.
package struct RequestAuthenticator: Sendable {
    package var credentials: Credentials
    package var maximumSkew: TimeInterval
    /// Shared by every copy: the server has one authenticator, so one set of seen nonces.
    package let replays: NonceLedger

    package init(credentials: Credentials, maximumSkew: TimeInterval = 15 * 60, replays: NonceLedger? = nil) {
        self.credentials = credentials
        self.maximumSkew = maximumSkew
        self.replays = replays ?? NonceLedger(skewSeconds: Int64(maximumSkew.rounded(.up)))
    }

    /// Checks everything the request's head carries; what is left for the body comes back (ACS3 signs the
    /// body's hash, which the caller checks once it has read the body).
    package func verify(_ request: FCSignature.Request, now: Date) throws(NimbusError) -> PayloadCheck {
        guard let authorization = request.header("authorization") else {
            throw NimbusError(.missingRequiredHeader, "required HTTP header Authorization was not specified")
        }
        if authorization.hasPrefix(ACS3Signature.algorithm + " ") {
            return try verifyACS3(request, authorization: authorization, now: now)
        }
        try verifyFC(request, authorization: authorization, now: now)
        return .none
    }

    func verifyFC(_ request: FCSignature.Request, authorization: String, now: Date) throws(NimbusError) {
        guard authorization.hasPrefix("FC "), let colon = authorization.lastIndex(of: ":") else {
            throw NimbusError(
                .accessDenied,
                "the Authorization header must be 'FC <accessKeyId>:<signature>' or '\(ACS3Signature.algorithm) ...'")
        }
        let keyId = String(authorization[authorization.index(authorization.startIndex, offsetBy: 3)..<colon])
        let signature = String(authorization[authorization.index(after: colon)...])
        try checkKey(keyId)
        guard let dateHeader = request.header("date") else {
            throw NimbusError(.missingRequiredHeader, "required HTTP header Date was not specified")
        }
        guard let date = HTTPDate.parse(dateHeader) else {
            throw NimbusError(.accessDenied, "the Date header '\(dateHeader)' is not an RFC 1123 date")
        }
        try checkSkew(date, as: dateHeader, now: now)
        if let token = request.header("x-fc-security-token") { try checkToken(token) }
        let secret = credentials.accessKeySecret
        // aliyun-fc2's form first; then the 2021-04-06 HTTP-trigger helper's, which signs the query in the order
        // sent (a signature over more of the request than the first form covers, so no weaker).
        guard
            FCSignature.constantTimeEquals(
                signature, FCSignature.signature(FCSignature.stringToSign(request), secret: secret))
                || FCSignature.constantTimeEquals(
                    signature,
                    FCSignature.signature(
                        FCSignature.stringToSign(request, resource: FCSignature.sentOrderResource(request)),
                        secret: secret))
        else { throw Self.mismatch }
    }

    func checkKey(_ keyId: String) throws(NimbusError) {
        guard FCSignature.constantTimeEquals(keyId, credentials.accessKeyId) else {
            throw NimbusError(.invalidAccessKeyID, "invalid access key ID '\(keyId)'")
        }
    }

    func checkSkew(_ date: Date, as text: String, now: Date) throws(NimbusError) {
        guard abs(date.timeIntervalSince(now)) <= maximumSkew else {
            throw NimbusError(
                .requestTimeTooSkewed,
                "the difference between the request time '\(text)' and the server time is over 15 minutes")
        }
    }

    /// A token sent must be the one issued with the key; without STS configured, any token is refused.
    func checkToken(_ token: String) throws(NimbusError) {
        guard let expected = credentials.securityToken else {
            throw NimbusError(
                .invalidSecurityToken, "the request carries a security token, but this server has no STS configured")
        }
        guard FCSignature.constantTimeEquals(token, expected) else {
            throw NimbusError(.invalidSecurityToken, "the security token is invalid")
        }
    }

    static let mismatch = NimbusError(
        .signatureNotMatch,
        "The request signature we calculated does not match the signature you provided. "
            + "Check your access key and signing method")
}

/// RFC 1123 dates as HTTP's `Date` header carries them: `Mon, 02 Jan 2023 15:04:05 GMT`.
package enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Every signed call is checked with this, so it is arithmetic: Foundation's `Calendar` took about
    /// 10 us per call on Linux.
    package static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        // The year is bounded before any arithmetic: `Date` is the first header a signed call is checked on,
        // so a year of 2^62 reached the day count's multiplications unauthenticated.
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            (1...9999).contains(year), let month = months.firstIndex(of: String(parts[2])),
            (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2])
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month + 1, day: day)
        return Date(timeIntervalSince1970: Double(((days * 24 + clock[0]) * 60 + clock[1]) * 60 + clock[2]))
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year  // years start in March, so leap days come last
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `month` counts from 0.
    static func daysIn(month: Int, year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]
    }

    package static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(weekdays[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) GMT"
    }
}
