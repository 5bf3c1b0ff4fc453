import NimbusCore

/// Checks a zip's directory before ZIPFoundation reads it: every offset, size and count that its reader
/// adds or converts must be small, or a crafted ZIP64 header traps inside the library (it adds a 64-bit
/// local-header offset to sizes, and seeks with `off_t(offset)`), taking the whole server down.
///
/// It reads what ZIPFoundation 0.9 reads (the last end-of-directory record, the ZIP64 record 76 bytes
/// before it, each central and local header and their ZIP64 fields, ZIP64 data descriptors), and refuses
/// a package where any such value exceeds `largest`. The real checks (paths, sizes inflated, CRCs) still
/// run while extracting; this only makes that reading safe.
struct ZipPreflight {
    /// Far above any package Nimbus accepts (100 MB zipped, 500 MB extracted), far below an overflow.
    static let largest: UInt64 = 1 << 40

    let bytes: [UInt8]
    let maximumEntries: Int

    static func check(_ bytes: [UInt8], maximumEntries: Int) throws(NimbusError) {
        do {
            try ZipPreflight(bytes: bytes, maximumEntries: maximumEntries).walk()
        } catch {
            throw .invalidArgument("the code package is not a valid zip file (its directory is malformed)")
        }
    }

    struct Malformed: Error {}

    func walk() throws(Malformed) {
        let end = try endOfDirectory()
        var count = UInt64(try u16(end + 10))
        var position = UInt64(try u32(end + 16))
        // ZIPFoundation takes the ZIP64 record's values when one sits right before the locator.
        if end >= 76, (try? u32(end - 76)) == 0x0606_4b50 {
            count = try small(u64(end - 76 + 32))
            position = try small(u64(end - 76 + 48))
            _ = try small(u64(end - 76 + 40))
            _ = try small(u64(end - 76 + 24))
        }
        guard count <= UInt64(maximumEntries) else { throw Malformed() }
        for _ in 0..<count {
            position = try centralEntry(at: Int(position))
        }
    }

    /// The last end-of-central-directory signature, searched from the end as ZIPFoundation does.
    func endOfDirectory() throws(Malformed) -> Int {
        var offset = bytes.count - 22
        while offset >= 0 {
            if (try? u32(offset)) == 0x0605_4b50 { return offset }
            offset -= 1
        }
        throw Malformed()
    }

    /// Checks one central-directory entry and what it points to; returns where the next one starts.
    func centralEntry(at offset: Int) throws(Malformed) -> UInt64 {
        guard try u32(offset) == 0x0201_4b50 else { throw Malformed() }
        let version = try u16(offset + 6)
        let flags = try u16(offset + 8)
        let method = try u16(offset + 10)
        let nameLength = Int(try u16(offset + 28))
        let extraLength = Int(try u16(offset + 30))
        let commentLength = Int(try u16(offset + 32))
        let extra = offset + 46 + nameLength
        let zip64 = try zip64Values(extra, extraLength)
        var localOffset = UInt64(try u32(offset + 42))
        var compressed = UInt64(try u32(offset + 20))
        var uncompressed = UInt64(try u32(offset + 24))
        let isZIP64 = version & 0xFF >= 45 || zip64 != nil
        if let zip64, isZIP64 {
            // Which fields the ZIP64 block holds depends on which 32-bit ones are 0xFFFFFFFF; each is small
            // whichever it is, so the largest is a safe stand-in for all three.
            let biggest = zip64.max() ?? 0
            localOffset = max(localOffset, biggest)
            compressed = max(compressed, biggest)
            uncompressed = max(uncompressed, biggest)
        }
        try local(
            at: localOffset, dataSize: method == 0 ? uncompressed : compressed,
            descriptor: flags & 0x8 != 0, zip64: isZIP64)
        let next = extra + extraLength + commentLength
        guard next <= bytes.count else { throw Malformed() }
        return UInt64(next)
    }

    /// The local header (and a ZIP64 data descriptor after the data) of an entry.
    func local(at offset: UInt64, dataSize: UInt64, descriptor: Bool, zip64: Bool) throws(Malformed) {
        let start = Int(try small(offset))
        let nameLength = Int(try u16(start + 26))
        let extraLength = Int(try u16(start + 28))
        _ = try zip64Values(start + 30 + nameLength, extraLength)
        guard descriptor, zip64 else { return }
        // The descriptor may start with its signature or not; check the 64-bit sizes either way.
        let position = UInt64(start + 30 + nameLength + extraLength) + (try small(dataSize))
        for field in [UInt64(4), 8, 12, 16] {
            if let value = try? u64(Int(position + field)) { _ = try small(value) }
        }
    }

    /// The 64-bit values of an extra field's ZIP64 block (id 1), or nil if it has none.
    func zip64Values(_ start: Int, _ length: Int) throws(Malformed) -> [UInt64]? {
        guard start + length <= bytes.count else { throw Malformed() }
        var position = start
        while position + 4 <= start + length {
            let id = try u16(position)
            let size = Int(try u16(position + 2))
            if id == 1 {
                var values: [UInt64] = []
                var field = position + 4
                while field + 8 <= min(position + 4 + size, start + length) {
                    values.append(try small(u64(field)))
                    field += 8
                }
                return values
            }
            position += 4 + size
        }
        return nil
    }

    func small(_ value: UInt64) throws(Malformed) -> UInt64 {
        guard value <= Self.largest else { throw Malformed() }
        return value
    }

    func u16(_ offset: Int) throws(Malformed) -> UInt16 {
        UInt16(truncatingIfNeeded: try little(offset, 2))
    }

    func u32(_ offset: Int) throws(Malformed) -> UInt32 {
        UInt32(truncatingIfNeeded: try little(offset, 4))
    }

    func u64(_ offset: Int) throws(Malformed) -> UInt64 { try little(offset, 8) }

    func little(_ offset: Int, _ width: Int) throws(Malformed) -> UInt64 {
        guard offset >= 0, offset <= bytes.count - width else { throw Malformed() }
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
