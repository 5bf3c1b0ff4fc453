import Foundation
import NimbusCore
import NimbusPackages
import PropertyBased
import Testing

/// Corrupted zip metadata (sizes, offsets, counts, ZIP64 fields) is refused with an FC error, never a trap:
/// ZIPFoundation adds and converts these values unchecked, so they must be vetted before it reads them.
@Suite struct ZipFuzzTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-zipfuzz-\(UUID())")

    let valid: [UInt8]

    init() throws {
        valid = try ZipFactory.zip([
            .file("index.py", Data("def handler(event, context):\n    return event\n".utf8)),
            .file("lib/util.py", Data(repeating: 0x41, count: 3000)), .symlink("link.py", target: "index.py"),
        ])
    }

    /// A ZIP64 extra field (id 1) with 64-bit sizes and offset, in the central directory entry of `zip`.
    static func withZIP64Fields(_ zip: [UInt8], value: UInt64) -> [UInt8] {
        guard let central = find([0x50, 0x4B, 0x01, 0x02], in: zip), let end = find([0x50, 0x4B, 0x05, 0x06], in: zip)
        else { return zip }
        var bytes = zip
        let nameLength = Int(bytes[central + 28]) | Int(bytes[central + 29]) << 8
        let oldExtra = Int(bytes[central + 30]) | Int(bytes[central + 31]) << 8
        var extra: [UInt8] = [0x01, 0x00, 24, 0x00]
        for _ in 0..<3 { withUnsafeBytes(of: value.littleEndian) { extra += $0 } }
        bytes.insert(contentsOf: extra, at: central + 46 + nameLength + oldExtra)
        let newExtra = UInt16(oldExtra + extra.count)
        bytes[central + 30] = UInt8(newExtra & 0xFF)
        bytes[central + 31] = UInt8(newExtra >> 8)
        bytes[central + 6] = 45  // version made by 4.5: ZIP64
        for field in [20, 24, 42] {
            bytes.replaceSubrange(central + field..<central + field + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        }
        // The end record moved by the inserted bytes; its directory size grew with them.
        let movedEnd = end + extra.count
        let size = UInt32(bytes[movedEnd + 12]) | UInt32(bytes[movedEnd + 13]) << 8 | UInt32(bytes[movedEnd + 14]) << 16
        withUnsafeBytes(of: (size + UInt32(extra.count)).littleEndian) {
            bytes.replaceSubrange(movedEnd + 12..<movedEnd + 16, with: $0)
        }
        return bytes
    }

    static func find(_ signature: [UInt8], in bytes: [UInt8]) -> Int? {
        (0..<(bytes.count - 4)).first { Array(bytes[$0..<$0 + 4]) == signature }
    }

    func storeRefusesOrAccepts(_ zip: [UInt8]) async throws {
        let repository = try FileCodeRepository(root: root.appendingPathComponent("code"))
        do throws(NimbusError) {
            _ = try await repository.store(zip: zip)
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func zip64FieldsPastAnySizeAreRefused() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        for value: UInt64 in [.max, .max - 40, 1 << 63, 1 << 41] {
            let repository = try FileCodeRepository(root: root.appendingPathComponent("code"))
            await #expect(throws: NimbusError.self) {
                try await repository.store(zip: Self.withZIP64Fields(valid, value: value))
            }
        }
    }

    @Test func corruptedHeaderFieldsNeverTrap() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let count = valid.count
        let values: [UInt64] = [.max, 0xFFFF_FFFF, 0xFFFF, 0, 1, 1 << 32, 1 << 63, UInt64(count), UInt64(count - 1)]
        await propertyCheck(
            count: 300, input: Gen.int(in: 0...(count - 1)), Gen.element(of: [1, 2, 4, 8]), Gen.element(of: values)
        ) { offset, width, value in
            guard let width, let value else { return }
            var bytes = valid
            for index in 0..<width where offset + index < bytes.count {
                bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))
            }
            try await storeRefusesOrAccepts(bytes)
        }
    }

    @Test func zip64FieldsOfAnyValueNeverTrap() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        await propertyCheck(count: 100, input: Gen.uint64()) { value in
            try await storeRefusesOrAccepts(Self.withZIP64Fields(valid, value: value))
        }
    }
}
