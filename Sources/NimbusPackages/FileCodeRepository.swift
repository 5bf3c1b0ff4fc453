import Crypto
import Foundation
import NimbusCore
import ZIPFoundation

/// Code packages on disk, content-addressed by SHA-256: `<root>/<digest>.zip` and the tree `<root>/<digest>/`.
///
/// A package is checked and extracted into a private staging folder first; only a package that passed
/// every check is moved into place, so a refused upload leaves nothing behind.
package struct FileCodeRepository: CodeRepository {
    package let root: URL
    package let limits: PackageLimits

    package init(root: URL, limits: PackageLimits = PackageLimits()) throws {
        self.root = root
        self.limits = limits
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("staging"), withIntermediateDirectories: true)
    }

    package var maximumZipBytes: Int { limits.maximumZipBytes }

    package func zipURL(digest: String) -> URL { root.appendingPathComponent("\(digest).zip") }

    package func treeURL(digest: String) -> URL { root.appendingPathComponent(digest, isDirectory: true) }

    package func store(zip: [UInt8]) async throws(NimbusError) -> CodeInfo {
        let result: Result<CodeInfo, NimbusError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: .success(try storeBlocking(zip)))
                } catch let error as NimbusError {
                    continuation.resume(returning: .failure(error))
                } catch {
                    continuation.resume(
                        returning: .failure(.invalidArgument("the code package is not a valid zip file")))
                }
            }
        }
        return try result.get()
    }

    func storeBlocking(_ zip: [UInt8]) throws -> CodeInfo {
        guard zip.count <= limits.maximumZipBytes else {
            throw NimbusError.invalidArgument(
                "the code package is \(zip.count) bytes; the limit is \(limits.maximumZipBytes) bytes")
        }
        try ZipPreflight.check(zip, maximumEntries: limits.maximumEntries)
        let digest = SHA256.hash(data: zip).map { String(format: "%02x", $0) }.joined()
        let info = CodeInfo(size: zip.count, checksum: String(CRC64.checksum(zip)), digest: digest)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: treeURL(digest: digest).path),
            fileManager.fileExists(atPath: zipURL(digest: digest).path)
        {
            return info
        }
        let staging = root.appendingPathComponent("staging/\(UUID().uuidString)", isDirectory: true)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: staging) }
        let stagedZip = staging.appendingPathComponent("package.zip")
        try Data(zip).write(to: stagedZip)
        let tree = staging.appendingPathComponent("tree", isDirectory: true)
        try PackageExtractor(limits: limits).extract(zipAt: stagedZip, into: tree)
        try? fileManager.moveItem(at: tree, to: treeURL(digest: digest))
        try? fileManager.moveItem(at: stagedZip, to: zipURL(digest: digest))
        guard fileManager.fileExists(atPath: zipURL(digest: digest).path) else {
            throw NimbusError(.internalServerError, "could not store the code package")
        }
        return info
    }
}
