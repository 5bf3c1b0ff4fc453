/// JSON written by hand for the few small documents built on every call, where a `JSONEncoder`
/// (boxing, key sorting, a `Data` per value) costs more than the call's own work.
package enum JSONText {
    /// Appends `value` as a JSON string literal: quotes, backslashes and control characters escaped.
    package static func appendString(_ value: String, to output: inout String) {
        output.append("\"")
        // Most values need no escape: appended whole. Multi-byte UTF-8 never needs one (bytes >= 0x80).
        if needsNoEscape(value) {
            output.append(value)
        } else {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(value.utf8.count + 16)
            for byte in value.utf8 {
                switch byte {
                case 0x22, 0x5C: bytes += [0x5C, byte]
                case 0x0A: bytes += [0x5C, 0x6E]
                case 0x0D: bytes += [0x5C, 0x72]
                case 0x09: bytes += [0x5C, 0x74]
                case ..<0x20: bytes += [0x5C, 0x75, 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0xF)]
                default: bytes.append(byte)
                }
            }
            output.append(String(decoding: bytes, as: UTF8.self))
        }
        output.append("\"")
    }

    /// One pass over the bytes without an early exit, so that the compiler can vectorise it: log
    /// lines go through here at the rate functions print them.
    private static func needsNoEscape(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            var escaped: UInt8 = 0
            for byte in bytes {
                escaped |= (byte < 0x20 ? 1 : 0) | (byte == 0x22 ? 1 : 0) | (byte == 0x5C ? 1 : 0)
            }
            return escaped == 0
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? 0x30 + value : 0x61 + value - 10 }
}
