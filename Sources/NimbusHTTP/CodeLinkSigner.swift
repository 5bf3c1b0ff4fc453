import Crypto
import Foundation
import Hummingbird
import NimbusCore

/// Expiring download links for code packages, like the pre-signed OSS URLs FC returns from `GET .../code`.
package struct CodeLinkSigner: Sendable {
    let key: SymmetricKey
    let packages: @Sendable (String) -> String
    let lifetime: TimeInterval
    let now: @Sendable () -> Date

    /// - Parameter packages: maps a digest to the zip's path on disk.
    package init(
        secret: String, lifetime: TimeInterval = 30 * 60, now: @escaping @Sendable () -> Date = { Date() },
        packages: @escaping @Sendable (String) -> String
    ) {
        self.key = SymmetricKey(data: SHA256.hash(data: Data(("nimbus-code-links:" + secret).utf8)))
        self.lifetime = lifetime
        self.now = now
        self.packages = packages
    }

    func signature(digest: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(digest)\n\(expires)".utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    func url(base: String, digest: String) -> String {
        let expires = Int(now().timeIntervalSince1970 + lifetime)
        return
            "\(base)/nimbus/code/\(digest).zip?expires=\(expires)&signature=\(signature(digest: digest, expires: expires))"
    }

    func register(on router: Router<NimbusRequestContext>) {
        router.get("nimbus/code/:file") { request, context in
            let file = context.parameters.get("file") ?? ""
            let query = ManagementAPI.query(request)
            guard file.hasSuffix(".zip"), let expires = query["expires"].flatMap(Int.init),
                let given = query["signature"]
            else { throw NimbusError(.accessDenied, "the code link is incomplete") }
            let digest = String(file.dropLast(4))
            guard digest.allSatisfy(\.isHexDigit), digest.count == 64,
                FCSignature.constantTimeEquals(given, signature(digest: digest, expires: expires))
            else { throw NimbusError(.accessDenied, "the code link's signature is invalid") }
            guard Double(expires) >= now().timeIntervalSince1970 else {
                throw NimbusError(.accessDenied, "the code link has expired")
            }
            let body = try await FileIO().loadFile(path: packages(digest), context: context)
            var headers = HTTPFields()
            headers[.contentType] = "application/zip"
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
