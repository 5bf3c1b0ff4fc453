import Crypto
import Foundation

/// The FC 2016-08-15 request signature: HMAC-SHA256 over a canonical string, Base64 encoded.
package enum FCSignature {
    /// The request parts a signature covers. Header names must be lower-case.
    package struct Request: Sendable {
        package var method: String
        /// The path as sent, percent-encoded, without the query string.
        package var rawPath: String
        package var rawQuery: String?
        package var headers: [(name: String, value: String)]

        package init(method: String, rawPath: String, rawQuery: String?, headers: [(name: String, value: String)]) {
            self.method = method
            self.rawPath = rawPath
            self.rawQuery = rawQuery
            self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        }

        package func header(_ name: String) -> String? {
            headers.first { $0.name == name }?.value
        }

        /// Most paths have nothing to decode, and Foundation's decoding goes through CFString: every
        /// signed call takes this path.
        package var decodedPath: String {
            rawPath.utf8.contains(UInt8(ascii: "%")) ? rawPath.removingPercentEncoding ?? rawPath : rawPath
        }

        package var isProxy: Bool { CallRoute.proxyPrefix(of: decodedPath) != nil }
    }

    /// `x-fc-*` headers, lower-cased, sorted, each as `key:value\n`.
    package static func canonicalHeaders(_ request: Request) -> String {
        request.headers
            .filter { $0.name.hasPrefix("x-fc-") }
            .sorted { $0.name < $1.name }
            .map { "\($0.name):\($0.value)\n" }
            .joined()
    }

    /// The decoded path; for HTTP-trigger paths also the sorted `key=value` query lines.
    package static func canonicalResource(_ request: Request) -> String {
        let path = request.decodedPath
        guard request.isProxy else { return path }
        let lines = FormQuery.pairs(request.rawQuery ?? "").map { "\($0.key)=\($0.value)" }.sorted {
            Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
        }
        return path + "\n" + lines.joined(separator: "\n")
    }

    /// The resource as the 2021-04-06 SDK's HTTP-trigger helper (`invoke_httptrigger`, gateway-fc-util)
    /// signs it on any path: the decoded path, a newline, and the whole query percent-decoded (`+` kept) and
    /// split on `&`, in the order sent (fc-api spec 2.7).
    package static func sentOrderResource(_ request: Request) -> String {
        let path = request.decodedPath.isEmpty ? "/" : request.decodedPath
        guard let query = request.rawQuery, !query.isEmpty else { return path + "\n" }
        let decoded = query.removingPercentEncoding ?? query
        return path + "\n" + decoded.split(separator: "&", omittingEmptySubsequences: false).joined(separator: "\n")
    }

    package static func stringToSign(_ request: Request) -> String {
        stringToSign(request, resource: canonicalResource(request))
    }

    package static func stringToSign(_ request: Request, resource: String) -> String {
        [
            request.method.uppercased(),
            request.header("content-md5") ?? "",
            request.header("content-type") ?? "",
            request.header("date") ?? "",
            canonicalHeaders(request) + resource,
        ].joined(separator: "\n")
    }

    package static func signature(_ stringToSign: String, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// The value of the `Authorization` header for a request.
    package static func authorization(_ request: Request, accessKeyId: String, secret: String) -> String {
        "FC \(accessKeyId):\(signature(stringToSign(request), secret: secret))"
    }

    /// Compares two strings in time that depends only on their lengths.
    package static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}

/// `application/x-www-form-urlencoded` query decoding (`+` is a space), as Python's `parse_qsl`.
package enum FormQuery {
    package static func pairs(_ query: String) -> [(key: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return (decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : "")
        }
    }
}
