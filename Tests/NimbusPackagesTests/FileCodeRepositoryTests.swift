import Foundation
import NimbusCore
import NimbusPackages
import Testing
import ZIPFoundation

/// Builds zip files in memory, including the malicious ones a user could upload.
enum ZipFactory {
    enum Item {
        case file(String, Data)
        case symlink(String, target: String)
    }

    static func zip(_ items: [Item]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for item in items {
            switch item {
            case .file(let path, let data):
                try archive.addEntry(
                    with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
                ) { position, size in data.subdata(in: Int(position)..<Int(position) + size) }
            case .symlink(let path, let target):
                let data = Data(target.utf8)
                try archive.addEntry(with: path, type: .symlink, uncompressedSize: Int64(data.count)) {
                    position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
        }
        return Array(archive.data!)
    }

    /// Rewrites every size field of the first entry to `declared`, as a hand-made bomb would.
    static func lyingAboutSize(_ zip: [UInt8], declared: UInt32) -> [UInt8] {
        var bytes = zip
        func patch(_ signature: [UInt8], offset: Int) {
            for index in 0..<(bytes.count - 4) where Array(bytes[index..<index + 4]) == signature {
                withUnsafeBytes(of: declared.littleEndian) {
                    bytes.replaceSubrange(index + offset..<index + offset + 4, with: $0)
                }
                return
            }
        }
        patch([0x50, 0x4B, 0x03, 0x04], offset: 22)
        patch([0x50, 0x4B, 0x01, 0x02], offset: 24)
        return bytes
    }
}

@Suite struct FileCodeRepositoryTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-code-\(UUID())")

    func repository(_ limits: PackageLimits = PackageLimits()) throws -> FileCodeRepository {
        try FileCodeRepository(root: root.appendingPathComponent("code"), limits: limits)
    }

    /// Every file under the test's root, staging included: a refused package must leave none behind.
    func filesUnderRoot() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        return (enumerator?.allObjects as? [String] ?? []).filter { !$0.hasSuffix("staging") && $0 != "code" }
    }

    @Test func storesAndExtractsAValidPackage() async throws {
        let zip = try ZipFactory.zip([
            .file("index.py", Data("def handler(e, c): return e\n".utf8)), .file("lib/util.py", Data("x = 1\n".utf8)),
            .symlink("lib/link.py", target: "util.py"),
        ])
        let repository = try repository()
        let info = try await repository.store(zip: zip)
        #expect(info.size == zip.count)
        #expect(info.checksum == String(CRC64.checksum(zip)))
        #expect(try Data(contentsOf: repository.zipURL(digest: info.digest)) == Data(zip))
        let tree = repository.treeURL(digest: info.digest)
        #expect(try String(contentsOf: tree.appendingPathComponent("lib/link.py"), encoding: .utf8) == "x = 1\n")
        let again = try await repository.store(zip: zip)
        #expect(again == info)
    }

    @Test(arguments: [
        "../evil.py", "/etc/evil.py", "a/../../evil.py", "C:\\evil.py",
    ])
    func refusesEntriesThatEscape(path: String) async throws {
        let zip = try ZipFactory.zip([.file(path, Data("boom".utf8))])
        await expectRefused(zip)
    }

    @Test(arguments: ["/etc/passwd", "../../outside", "a/../../x"])
    func refusesSymlinksThatEscape(target: String) async throws {
        let zip = try ZipFactory.zip([.symlink("link", target: target)])
        await expectRefused(zip)
    }

    @Test func refusesASymlinkChainThatClimbsOut() async throws {
        // "up" points at the package root, so "up/.." is its parent even though it looks like the root.
        let zip = try ZipFactory.zip([
            .symlink("up", target: "."), .symlink("out", target: "up/../.."), .file("out/evil.py", Data("x".utf8)),
        ])
        await expectRefused(zip)
    }

    @Test func refusesWritingThroughASymlinkedEntry() async throws {
        let zip = try ZipFactory.zip([.symlink("index.py", target: "real.py"), .file("index.py", Data("x".utf8))])
        await expectRefused(zip)
    }

    @Test func refusesCorruptBytes() async throws {
        await expectRefused(Array("this is not a zip file at all".utf8))
        var zip = try ZipFactory.zip([.file("a.txt", Data(repeating: 65, count: 4096))])
        zip[zip.count / 3] ^= 0xFF
        await expectRefused(zip)
    }

    @Test func refusesABombThatDeclaresItsSize() async throws {
        var limits = PackageLimits()
        limits.maximumExtractedBytes = 1 << 20
        let zip = try ZipFactory.zip([.file("zeros", Data(count: 4 << 20))])
        await expectRefused(zip, limits: limits)
    }

    @Test func refusesABombThatLiesAboutItsSize() async throws {
        var limits = PackageLimits()
        limits.maximumExtractedBytes = 1 << 20
        let honest = try ZipFactory.zip([.file("zeros", Data(count: 8 << 20))])
        await expectRefused(ZipFactory.lyingAboutSize(honest, declared: 100), limits: limits)
    }

    @Test func refusesAZipOverTheSizeLimit() async throws {
        var limits = PackageLimits()
        limits.maximumZipBytes = 1024
        let zip = try ZipFactory.zip([.file("noise", Data((0..<8192).map { _ in UInt8.random(in: 0...255) }))])
        await expectRefused(zip, limits: limits)
    }

    func expectRefused(_ zip: [UInt8], limits: PackageLimits = PackageLimits()) async {
        guard let repository = try? repository(limits) else {
            Issue.record("cannot create the repository")
            return
        }
        do {
            _ = try await repository.store(zip: zip)
            Issue.record("the package was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
        }
        #expect(filesUnderRoot().isEmpty, "left behind: \(filesUnderRoot())")
        #expect(
            !FileManager.default.fileExists(
                atPath: root.deletingLastPathComponent().appendingPathComponent("evil.py").path))
    }
}
