/// JSON written by hand for the few small documents built on every call, where a `JSONEncoder`
/// (boxing, key sorting, a `Data` per value) costs more than the call's own work.
package enum JSONText {
    /// Appends `value` as a JSON string literal: quotes, backslashes and control characters escaped.
    package static func appendString(_ value: String, to output: inout String) {
        output.append("\"")
        var plainStart = value.unicodeScalars.startIndex
        var index = plainStart
        let scalars = value.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let escape: String? =
                switch scalar {
                case "\"": "\\\""
                case "\\": "\\\\"
                case "\n": "\\n"
                case "\r": "\\r"
                case "\t": "\\t"
                case _ where scalar.value < 0x20:
                    "\\u00" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 0xF, radix: 16)
                default: nil
                }
            if let escape {
                output.unicodeScalars.append(contentsOf: scalars[plainStart..<index])
                output.append(escape)
                plainStart = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        output.unicodeScalars.append(contentsOf: scalars[plainStart..<scalars.endIndex])
        output.append("\"")
    }
}
