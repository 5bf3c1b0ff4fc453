import Foundation
import NimbusCore
import ZIPFoundation

/// Zips a function's `codeUri` the same way every time (sorted entries, fixed dates, fixed modes), so equal
/// code gives an equal zip and an equal `codeChecksum`: unchanged code is never uploaded again.
package enum CodePackager {
    package struct Package: Sendable {
        package var bytes: Data
        /// FC's `codeChecksum`: CRC-64 of the zip, as a decimal string.
        package var checksum: String
        package var files: Int
    }

    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)  // 1980-01-01, the zip epoch

    /// `.fcignore` holds glob patterns (one a line, `#` comments) of paths left out, as Funcraft reads it.
    package static func package(_ codeUri: String) throws -> Package {
        let root = URL(fileURLWithPath: codeUri)
        if codeUri.hasSuffix(".zip") {
            let bytes = try Data(contentsOf: root)
            return Package(bytes: bytes, checksum: checksum(bytes), files: 0)
        }
        let ignore = Ignore(root: root)
        let archive = try Archive(data: Data(), accessMode: .create)
        var count = 0
        for relative in try files(under: root).sorted() where !ignore.matches(relative) {
            let url = root.appendingPathComponent(relative)
            let data = try Data(contentsOf: url)
            let executable = FileManager.default.isExecutableFile(atPath: url.path)
            try archive.addEntry(
                with: relative, type: .file, uncompressedSize: Int64(data.count), modificationDate: fixedDate,
                permissions: executable ? 0o755 : 0o644, compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
            count += 1
        }
        guard let bytes = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return Package(bytes: bytes, checksum: checksum(bytes), files: count)
    }

    static func checksum(_ bytes: Data) -> String {
        var crc = CRC64()
        crc.update(bytes)
        return String(crc.value)
    }

    static func files(under root: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        var result: [String] = []
        let prefix = root.standardizedFileURL.path + "/"
        for case let url as URL in walker {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(prefix) else { continue }
            result.append(String(path.dropFirst(prefix.count)))
        }
        return result
    }

    /// `.fcignore` and the things nobody deploys (`.git`, `__pycache__`, `.DS_Store`, `.fcignore` itself, and
    /// `.nimbus`, where builds go, which is inside the code folder when `codeUri` is the project's own).
    struct Ignore {
        var patterns: [String] = [
            ".git", ".git/*", "*/__pycache__/*", "__pycache__/*", "*.pyc", ".DS_Store", ".fcignore", ".nimbus",
            ".nimbus/*",
        ]

        init(root: URL) {
            let text = (try? String(contentsOf: root.appendingPathComponent(".fcignore"), encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let pattern = line.trimmingCharacters(in: .whitespaces)
                guard !pattern.isEmpty, !pattern.hasPrefix("#") else { continue }
                let trimmed = pattern.hasPrefix("/") ? String(pattern.dropFirst()) : pattern
                patterns.append(trimmed)
                patterns.append(trimmed.hasSuffix("/") ? trimmed + "*" : trimmed + "/*")
            }
        }

        func matches(_ path: String) -> Bool {
            patterns.contains { fnmatch($0, path, 0) == 0 || fnmatch($0, (path as NSString).lastPathComponent, 0) == 0 }
        }
    }
}
