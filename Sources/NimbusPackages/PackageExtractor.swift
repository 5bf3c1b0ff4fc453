import Foundation
import NimbusCore
import ZIPFoundation

/// Extracts a zip into an empty folder, refusing anything that would escape it or exceed the limits.
struct PackageExtractor {
    let limits: PackageLimits

    func extract(zipAt zip: URL, into folder: URL) throws {
        let archive: Archive
        do {
            archive = try Archive(url: zip, accessMode: .read)
        } catch {
            throw NimbusError.invalidArgument("the code package is not a valid zip file")
        }
        let entries = Array(archive)
        guard entries.count <= limits.maximumEntries else {
            throw NimbusError.invalidArgument("the code package has more than \(limits.maximumEntries) entries")
        }
        // Saturating: sizes from a crafted ZIP64 header could wrap a plain sum past the limit.
        let declared = entries.reduce(UInt64(0)) { sum, entry in
            let (total, overflow) = sum.addingReportingOverflow(entry.uncompressedSize)
            return overflow ? .max : total
        }
        guard declared <= UInt64(limits.maximumExtractedBytes) else {
            throw NimbusError.invalidArgument(
                "the code package expands to \(declared) bytes; the limit is \(limits.maximumExtractedBytes) bytes")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written = 0
        for entry in entries {
            guard let parts = EntryPath.components(entry.path) else {
                throw NimbusError.invalidArgument("the code package entry '\(entry.path)' escapes the package folder")
            }
            let destination = parts.reduce(folder) { $0.appendingPathComponent($1) }
            try FileManager.default.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            // A symlink extracted earlier could redirect this write; check where it really lands.
            guard Self.isInside(destination.deletingLastPathComponent(), folder) else {
                throw NimbusError.invalidArgument("the code package entry '\(entry.path)' escapes the package folder")
            }
            var status = stat()
            if entry.type != .directory, lstat(destination.path, &status) == 0 {
                throw NimbusError.invalidArgument("the code package has the entry '\(entry.path)' twice")
            }
            try write(entry, of: archive, parts: parts, to: destination, written: &written)
        }
        for entry in entries where entry.type == .symlink {
            let link = EntryPath.components(entry.path)!.reduce(folder) { $0.appendingPathComponent($1) }
            guard Self.isInside(link, folder) else {
                throw NimbusError.invalidArgument("the code package symlink '\(entry.path)' points outside the package")
            }
        }
    }

    /// Whether `url`, with every symlink resolved, lies inside `folder`. Unresolvable paths are outside.
    static func isInside(_ url: URL, _ folder: URL) -> Bool {
        guard let real = realpath(url.path, nil), let base = realpath(folder.path, nil) else { return false }
        defer {
            free(real)
            free(base)
        }
        let path = String(cString: real)
        let root = String(cString: base)
        return path == root || path.hasPrefix(root + "/")
    }

    private func write(_ entry: Entry, of archive: Archive, parts: [String], to destination: URL, written: inout Int)
        throws
    {
        let fileManager = FileManager.default
        switch entry.type {
        case .directory:
            try fileManager.createDirectory(at: destination, withIntermediateDirectories: true)
        case .symlink:
            var target = Data()
            _ = try archive.extract(entry, skipCRC32: true) { target.append($0) }
            let text = String(decoding: target, as: UTF8.self)
            guard EntryPath.symlinkStaysInside(entry: parts, target: text) else {
                throw NimbusError.invalidArgument("the code package symlink '\(entry.path)' points outside the package")
            }
            try fileManager.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fileManager.createSymbolicLink(atPath: destination.path, withDestinationPath: text)
        case .file:
            try fileManager.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard fileManager.createFile(atPath: destination.path, contents: nil),
                let handle = FileHandle(forWritingAtPath: destination.path)
            else { throw NimbusError.invalidArgument("the code package entry '\(entry.path)' cannot be written") }
            defer { try? handle.close() }
            let limit = limits.maximumExtractedBytes
            var total = written
            let crc: CRC32
            do {
                crc = try archive.extract(entry) { chunk in
                    total += chunk.count
                    guard total <= limit else {
                        throw NimbusError.invalidArgument(
                            "the code package expands past \(limit) bytes (a decompression bomb?)")
                    }
                    try handle.write(contentsOf: chunk)
                }
            } catch let error as NimbusError {
                throw error
            } catch {
                throw NimbusError.invalidArgument("the code package entry '\(entry.path)' is corrupt")
            }
            guard crc == entry.checksum else {
                throw NimbusError.invalidArgument("the code package entry '\(entry.path)' fails its CRC-32 check")
            }
            written = total
            let mode = (entry.fileAttributes[.posixPermissions] as? NSNumber)?.int16Value ?? 0o644
            try fileManager.setAttributes(
                [.posixPermissions: NSNumber(value: (mode & 0o755) | 0o444)], ofItemAtPath: destination.path)
        }
    }
}
