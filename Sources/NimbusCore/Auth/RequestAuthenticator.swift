import Foundation

/// Checks an FC-signed request: key id, signature, Date skew and security token.
package struct RequestAuthenticator: Sendable {
    package var credentials: Credentials
    package var maximumSkew: TimeInterval

    package init(credentials: Credentials, maximumSkew: TimeInterval = 15 * 60) {
        self.credentials = credentials
        self.maximumSkew = maximumSkew
    }

    package func verify(_ request: FCSignature.Request, now: Date) throws(NimbusError) {
        guard let authorization = request.header("authorization") else {
            throw NimbusError(.missingRequiredHeader, "required HTTP header Authorization was not specified")
        }
        guard authorization.hasPrefix("FC "), let colon = authorization.lastIndex(of: ":") else {
            throw NimbusError(.accessDenied, "the Authorization header must be 'FC <accessKeyId>:<signature>'")
        }
        let keyId = String(authorization[authorization.index(authorization.startIndex, offsetBy: 3)..<colon])
        let signature = String(authorization[authorization.index(after: colon)...])
        guard FCSignature.constantTimeEquals(keyId, credentials.accessKeyId) else {
            throw NimbusError(.invalidAccessKeyID, "invalid access key ID '\(keyId)'")
        }
        guard let dateHeader = request.header("date") else {
            throw NimbusError(.missingRequiredHeader, "required HTTP header Date was not specified")
        }
        guard let date = HTTPDate.parse(dateHeader) else {
            throw NimbusError(.accessDenied, "the Date header '\(dateHeader)' is not an RFC 1123 date")
        }
        guard abs(date.timeIntervalSince(now)) <= maximumSkew else {
            throw NimbusError(
                .requestTimeTooSkewed,
                "the difference between the request time '\(dateHeader)' and the server time is over 15 minutes")
        }
        if let token = request.header("x-fc-security-token") {
            guard let expected = credentials.securityToken, FCSignature.constantTimeEquals(token, expected) else {
                throw NimbusError(.invalidSecurityToken, "the security token is invalid")
            }
        }
        let expected = FCSignature.signature(FCSignature.stringToSign(request), secret: credentials.accessKeySecret)
        guard FCSignature.constantTimeEquals(signature, expected) else {
            throw NimbusError(
                .signatureNotMatch,
                "The request signature we calculated does not match the signature you provided. "
                    + "Check your access key and signing method")
        }
    }
}

/// RFC 1123 dates as HTTP's `Date` header carries them: `Mon, 02 Jan 2023 15:04:05 GMT`.
package enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    package static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let month = months.firstIndex(of: String(parts[2]))
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(
            year: year, month: month + 1, day: day, hour: clock[0], minute: clock[1], second: clock[2])
        return calendar.date(from: components)
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
