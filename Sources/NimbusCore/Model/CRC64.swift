/// CRC-64/XZ (ECMA-182 polynomial, reflected, all-ones init and xor-out): FC's `codeChecksum`.
package struct CRC64: Sendable {
    static let table: [UInt64] = (0..<256).map { index in
        var crc = UInt64(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xC96C_5795_D787_0F42 : crc >> 1 }
        return crc
    }

    private var state: UInt64 = ~0

    package init() {}

    package mutating func update(_ bytes: some Sequence<UInt8>) {
        var crc = state
        for byte in bytes { crc = CRC64.table[Int((crc ^ UInt64(byte)) & 0xFF)] ^ (crc >> 8) }
        state = crc
    }

    package var value: UInt64 { ~state }

    package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }
}
