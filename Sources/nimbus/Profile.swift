import Foundation

/// `~/.nimbus/profile.json` (or `$NIMBUS_PROFILE`): the endpoint and keys of the last `nimbus serve` on this
/// machine, so that the other commands work with no flags. Mode 0600, like `credentials.json`.
struct Profile: Codable {
    var endpoint: String
    var accessKeyId: String
    var accessKeySecret: String

    static var path: URL {
        if let path = ProcessInfo.processInfo.environment["NIMBUS_PROFILE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".nimbus/profile.json")
    }

    static func load() -> Profile? {
        guard let data = try? Data(contentsOf: path) else { return nil }
        return try? JSONDecoder().decode(Profile.self, from: data)
    }

    /// Best effort: a server that cannot write its profile still serves.
    func save() {
        let url = Self.path
        try? FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        guard let data = try? JSONEncoder().encode(self) else { return }
        _ = FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600])
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}
