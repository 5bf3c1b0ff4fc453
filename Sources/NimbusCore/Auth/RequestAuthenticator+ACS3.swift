import Crypto
import Foundation
import NIOCore

/// What a verified head leaves to check once the body is in: ACS3 signs `x-acs-content-sha256`, and that
/// must be the hash of the bytes that actually came.
package struct PayloadCheck: Sendable, Equatable {
    /// Lower-case hex SHA-256 the signature vouches for; nil when the scheme signs no body (FC).
    package var expectedHash: String?

    package init(expectedHash: String?) { self.expectedHash = expectedHash }

    /// Nothing to check: an anonymous call, or the FC scheme.
    package static let none = PayloadCheck(expectedHash: nil)

    package var needsBody: Bool { expectedHash != nil }

    package func verify(body: ByteBuffer) throws(NimbusError) {
        guard let expectedHash else { return }
        var hasher = SHA256()
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        guard ACS3Signature.hex(hasher.finalize()) == expectedHash else {
            throw NimbusError(
                .signatureNotMatch, "x-acs-content-sha256 '\(expectedHash)' is not the SHA-256 of the request body")
        }
    }
}

extension RequestAuthenticator {
    /// The server's recipe (fc3-api spec 2.4). Cheap checks first; the nonce is recorded only for a request
    /// whose signature verified, so no one without the secret can fill the replay window.
    func verifyACS3(_ request: FCSignature.Request, authorization header: String, now: Date) throws(NimbusError)
        -> PayloadCheck
    {
        let authorization = try ACS3Signature.Authorization(parsing: header)
        try checkKey(authorization.credential)
        let signed = Set(authorization.signedHeaders)
        for required in ["host", "x-acs-date", "x-acs-signature-nonce"] where !signed.contains(required) {
            throw NimbusError.invalidArgument("SignedHeaders must include '\(required)'")
        }
        let dateText = try Self.required("x-acs-date", request)
        guard let date = ACS3Date.parse(dateText) else {
            throw NimbusError.invalidArgument("x-acs-date '\(dateText)' must be UTC as YYYY-MM-DDTHH:MM:SSZ")
        }
        try checkSkew(Date(timeIntervalSince1970: Double(date)), as: dateText, now: now)
        let nonce = try Self.required("x-acs-signature-nonce", request)
        guard (1...128).contains(nonce.utf8.count) else {
            throw NimbusError.invalidArgument("x-acs-signature-nonce must be 1 to 128 characters")
        }
        let payloadHash = try Self.required("x-acs-content-sha256", request)
        guard payloadHash.utf8.count == 64, payloadHash.utf8.allSatisfy(Self.isLowerHex) else {
            throw NimbusError.invalidArgument("x-acs-content-sha256 must be the lower-case hex SHA-256 of the body")
        }
        if let token = request.header("x-acs-security-token") {
            guard signed.contains("x-acs-security-token") else {
                throw NimbusError.invalidArgument("SignedHeaders must include 'x-acs-security-token' when it is sent")
            }
            try checkToken(token)
        }
        let canonical = try ACS3Signature.canonicalRequest(
            request, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash)
        guard
            ACS3Signature.isValid(
                signature: authorization.signature,
                stringToSign: ACS3Signature.stringToSign(canonicalRequest: canonical),
                secret: credentials.accessKeySecret)
        else { throw Self.mismatch }
        switch replays.admit(nonce: nonce, date: date, now: Int64(now.timeIntervalSince1970.rounded(.down))) {
        case .admitted:
            return PayloadCheck(expectedHash: payloadHash)
        case .replayed:
            throw NimbusError(.signatureNonceUsed, "the signature nonce '\(nonce)' has already been used")
        case .beforeWindow:
            throw NimbusError(
                .requestTimeTooSkewed,
                "x-acs-date '\(dateText)' is older than the replay window this server can remember under its load; "
                    + "sign the request again")
        }
    }

    static func required(_ name: String, _ request: FCSignature.Request) throws(NimbusError) -> String {
        guard let value = request.header(name) else {
            throw NimbusError(.missingRequiredHeader, "required HTTP header \(name) was not specified")
        }
        return String(ACS3Signature.trimmed(value))
    }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

/// `x-acs-date`: UTC as `YYYY-MM-DDTHH:MM:SSZ`, to epoch seconds; nil for anything else.
package enum ACS3Date {
    package static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        // Fixed-width digits only, so no field can be large enough to overflow what follows.
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...9999).contains(year), (1...12).contains(month),
            (1...HTTPDate.daysIn(month: month - 1, year: year)).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = HTTPDate.daysSinceEpoch(year: year, month: month, day: day)
        return Int64(((days * 24 + hour) * 60 + minute) * 60 + second)
    }
}
