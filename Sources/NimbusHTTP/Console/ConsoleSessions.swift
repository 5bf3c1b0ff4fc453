import Crypto
import Foundation
import NimbusCore
import Synchronization

/// Console logins: the account's access key pair, or the console token printed at start. A login gets a
/// random session id (cookie `nimbus_session`) that expires after `lifetime`.
package final class ConsoleSessions: Sendable {
    let credentials: Credentials
    let token: String
    let lifetime: TimeInterval
    private let sessions = Mutex<[String: Date]>([:])

    package init(credentials: Credentials, token: String, lifetime: TimeInterval = 8 * 3600) {
        self.credentials = credentials
        self.token = token
        self.lifetime = lifetime
    }

    /// A fresh console token: 24 random bytes, hex.
    package static func newToken() -> String {
        SymmetricKey(size: .bits192).withUnsafeBytes { Data($0).map { String(format: "%02x", $0) }.joined() }
    }

    /// Checks a login (constant-time comparisons); returns a new session id or nil.
    func login(keyId: String, secret: String, token: String, now: Date = Date()) -> String? {
        let byKeys = Self.same(keyId, credentials.accessKeyId) && Self.same(secret, credentials.accessKeySecret)
        let byToken = !token.isEmpty && Self.same(token, self.token)
        guard byKeys || byToken else { return nil }
        let session = Self.newToken()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value > now }
            sessions[session] = now.addingTimeInterval(lifetime)
        }
        return session
    }

    func isValid(_ session: String?, now: Date = Date()) -> Bool {
        guard let session else { return false }
        return sessions.withLock { ($0[session] ?? .distantPast) > now }
    }

    func logout(_ session: String?) {
        guard let session else { return }
        _ = sessions.withLock { $0.removeValue(forKey: session) }
    }

    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
