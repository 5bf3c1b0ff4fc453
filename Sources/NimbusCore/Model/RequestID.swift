/// FC request ids: random (version 4) UUIDs in lower case.
///
/// Foundation's `UUID()` opens `/dev/urandom` on every call on Linux (open, read, close); a warm
/// HTTP call makes one id, so this takes its bytes from the system generator instead.
package enum RequestID {
    package static func make() -> String {
        // The system generator is getrandom(2) on Linux: no file to open.
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        withUnsafeMutableBytes(of: &bytes) { buffer in
            buffer[6] = (buffer[6] & 0x0F) | 0x40  // version 4
            buffer[8] = (buffer[8] & 0x3F) | 0x80  // RFC 4122 variant
        }
        return withUnsafeBytes(of: &bytes) { buffer in
            var text = [UInt8]()
            text.reserveCapacity(36)
            for (index, byte) in buffer.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { text.append(0x2D) }
                text.append(hex[Int(byte >> 4)])
                text.append(hex[Int(byte & 0xF)])
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
