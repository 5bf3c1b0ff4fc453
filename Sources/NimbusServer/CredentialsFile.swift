import Foundation
import NimbusCore

/// The account's credentials: from configuration when given, else generated once and kept in
/// `<data dir>/credentials.json` with mode 0600.
package enum CredentialsFile {
    package struct Loaded: Sendable {
        package var credentials: Credentials
        /// True when this start generated them: the only time the secret is printed.
        package var generated: Bool
        /// A console login made for this run only (printed at start, never stored).
        package var consoleToken = ""
    }

    struct Stored: Codable {
        var accountId: String
        var accessKeyId: String
        var accessKeySecret: String
    }

    package static func load(_ configuration: NimbusConfiguration, dataDirectory: URL) throws -> Loaded {
        if let id = configuration.accessKeyId, let secret = configuration.accessKeySecret {
            let account = configuration.accountId ?? "1234567890"
            return Loaded(
                credentials: Credentials(
                    accountId: account, accessKeyId: id, accessKeySecret: secret,
                    securityToken: configuration.securityToken),
                generated: false)
        }
        let file = dataDirectory.appendingPathComponent("credentials.json")
        // One that is there but cannot be read is an error, never a reason to write new ones over it.
        if FileManager.default.fileExists(atPath: file.path) {
            let data: Data
            do {
                data = try Data(contentsOf: file)
            } catch {
                throw NimbusError(.internalServerError, "cannot read \(file.path): \(error.localizedDescription)")
            }
            let stored = try JSONDecoder().decode(Stored.self, from: data)
            return Loaded(
                credentials: Credentials(
                    accountId: configuration.accountId ?? stored.accountId, accessKeyId: stored.accessKeyId,
                    accessKeySecret: stored.accessKeySecret, securityToken: configuration.securityToken),
                generated: false)
        }
        let stored = Stored(
            accountId: configuration.accountId ?? randomString(16, alphabet: "0123456789"),
            accessKeyId: "LTAI" + randomString(20, alphabet: alphanumerics),
            accessKeySecret: randomString(30, alphabet: alphanumerics))
        let data = try JSONEncoder().encode(stored)
        guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600])
        else { throw NimbusError(.internalServerError, "cannot write \(file.path)") }
        return Loaded(
            credentials: Credentials(
                accountId: stored.accountId, accessKeyId: stored.accessKeyId, accessKeySecret: stored.accessKeySecret,
                securityToken: configuration.securityToken),
            generated: true)
    }

    static let alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    static func randomString(_ length: Int, alphabet: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = Array(alphabet)
        return String((0..<length).map { _ in characters.randomElement(using: &generator)! })
    }
}
