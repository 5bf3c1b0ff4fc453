import Crypto
import Foundation

/// Alibaba Cloud's OpenAPI V3 signature, `ACS3-HMAC-SHA256`, which the 2021-04-06 and 2023-03-30 SDKs
/// send on every call (fc3-api spec section 2). Pure: the canonical request and the signature, no checks.
package enum ACS3Signature {
    package static let algorithm = "ACS3-HMAC-SHA256"
    /// SHA-256 of no bytes: the payload hash of a request without a body.
    package static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The parts of `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`.
    package struct Authorization: Equatable, Sendable {
        package var credential: String
        /// Lower-case header names, in the order the client listed them.
        package var signedHeaders: [String]
        package var signature: String

        /// Parses the header; anything but the three parameters, each once and non-empty, is refused.
        package init(parsing header: String) throws(NimbusError) {
            let prefix = ACS3Signature.algorithm + " "
            guard header.hasPrefix(prefix) else {
                throw .invalidArgument("the Authorization header must start with '\(prefix)'")
            }
            var parameters: [String: String] = [:]
            for part in header.dropFirst(prefix.count).split(separator: ",", omittingEmptySubsequences: false) {
                let pair = ACS3Signature.trimmed(part).split(
                    separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pair[0])
                guard pair.count == 2, name == "Credential" || name == "SignedHeaders" || name == "Signature",
                    parameters[name] == nil, !pair[1].isEmpty
                else {
                    throw .invalidArgument(
                        "the Authorization header must be '\(ACS3Signature.algorithm) "
                            + "Credential=<accessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>'")
                }
                parameters[name] = String(pair[1])
            }
            guard let credential = parameters["Credential"], let names = parameters["SignedHeaders"],
                let signature = parameters["Signature"]
            else {
                throw .invalidArgument("the Authorization header needs Credential, SignedHeaders and Signature")
            }
            let signedHeaders = names.split(separator: ";", omittingEmptySubsequences: false).map {
                $0.lowercased()
            }
            guard signedHeaders.allSatisfy({ !$0.isEmpty }) else {
                throw .invalidArgument("SignedHeaders '\(names)' names an empty header")
            }
            self.credential = credential
            self.signedHeaders = signedHeaders
            self.signature = signature
        }

        package init(credential: String, signedHeaders: [String], signature: String) {
            self.credential = credential
            self.signedHeaders = signedHeaders
            self.signature = signature
        }

        package var header: String {
            "\(ACS3Signature.algorithm) Credential=\(credential),SignedHeaders=\(signedHeaders.joined(separator: ";")),"
                + "Signature=\(signature)"
        }
    }

    /// The canonical request of spec 2.2: method, the path as sent, the rebuilt query, the signed headers,
    /// their names, and the payload hash. An absent signed header is a mismatch, named in the error.
    package static func canonicalRequest(
        _ request: FCSignature.Request, signedHeaders: [String], payloadHash: String
    ) throws(NimbusError) -> String {
        // One pass over the request's headers; names are lower-case already (`FCSignature.Request`).
        var values: [String: [Substring]] = [:]
        for header in request.headers { values[header.name, default: []].append(trimmed(header.value)) }
        var headerLines = ""
        for name in signedHeaders {
            guard let given = values[name] else {
                throw NimbusError(.signatureNotMatch, "the signed header '\(name)' is not in the request")
            }
            let value: Substring = given.count == 1 ? given[0] : Substring(given.sorted().joined(separator: ","))
            headerLines += "\(name):\(value)\n"
        }
        return [
            request.method.uppercased(), request.rawPath.isEmpty ? "/" : request.rawPath,
            // The header lines end in a newline, so a blank line comes before the names (spec 2.2 step 7).
            canonicalQuery(request.rawQuery ?? ""), headerLines, signedHeaders.joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
    }

    /// The raw query split on `&` and the first `=`, both halves form-decoded (`+` is a space), sorted by
    /// key bytes, values RFC 3986-encoded (a space as `%20`, never `+`). Works on bytes, so a value that
    /// is not UTF-8 is re-encoded exactly as sent.
    package static func canonicalQuery(_ rawQuery: String) -> String {
        let pairs = rawQuery.utf8.split(separator: UInt8(ascii: "&")).map { part in
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let key = formDecoded(part[..<(equals ?? part.endIndex)])
            let value = equals.map { formDecoded(part[part.index(after: $0)...]) } ?? []
            return (key: key, value: value)
        }
        return pairs.sorted { left, right in
            left.key == right.key
                ? left.value.lexicographicallyPrecedes(right.value) : left.key.lexicographicallyPrecedes(right.key)
        }.map { String(decoding: $0.key, as: UTF8.self) + "=" + percentEncoded($0.value) }.joined(separator: "&")
    }

    /// Without leading and trailing whitespace, as Python's `str.strip()` leaves a header value (Unicode
    /// white space; Python also strips U+001C to U+001F). Foundation's `trimmingCharacters` cost more than
    /// the HMAC on every signed call.
    static func trimmed(_ text: some StringProtocol) -> Substring {
        let text = Substring(text)
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return text[text.endIndex...] }
        return text[first...last]
    }

    /// `application/x-www-form-urlencoded` decoding to bytes; a `%` not followed by two hex digits stays as is.
    static func formDecoded(_ text: some Collection<UInt8>) -> [UInt8] {
        let bytes = Array(text)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                result.append(high << 4 | low)
                index += 3
            } else {
                result.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return result
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// RFC 3986: only `A-Z a-z 0-9 - _ . ~` kept, every other byte as upper-case `%XX`.
    package static func percentEncoded(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                result.append(byte)
            default:
                result += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    package static func stringToSign(canonicalRequest: String) -> String {
        algorithm + "\n" + hex(SHA256.hash(data: Data(canonicalRequest.utf8)))
    }

    /// Lower-case hex HMAC-SHA256 of the string to sign, keyed by the secret.
    package static func signature(stringToSign: String, secret: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8))))
    }

    /// Whether `signature` (hex) is the HMAC of the string to sign; swift-crypto compares in constant time.
    package static func isValid(signature: String, stringToSign: String, secret: String) -> Bool {
        guard let given = hexBytes(signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            given, authenticating: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8)))
    }

    /// Lower-case hex SHA-256 of a body.
    package static func payloadHash(_ body: some DataProtocol) -> String { hex(SHA256.hash(data: body)) }

    /// Signs a request as the SDK does (tests and Nimbus's own clients): every header given is signed.
    package static func authorization(
        _ request: FCSignature.Request, accessKeyId: String, secret: String, payloadHash: String
    ) throws(NimbusError) -> String {
        let names = Array(Set(request.headers.map(\.name))).sorted()
        let canonical = try canonicalRequest(request, signedHeaders: names, payloadHash: payloadHash)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical), secret: secret)
        return Authorization(credential: accessKeyId, signedHeaders: names, signature: signature).header
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        for byte in bytes { result += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: result, as: UTF8.self)
    }

    /// Bytes of an even-length hex string; nil for anything else.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
