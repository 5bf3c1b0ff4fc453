/// A free-form JSON value, kept exactly as a client sent it (for example `triggerConfig`).
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Numbers Nimbus itself writes (counts, times); input numbers are read through ``JSONNumber``.
    package static func number(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
    package static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    package subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// Looks a key up ignoring case, as FC's Go server does for its own fields.
    package func field(_ key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        if let exact = fields[key] { return exact }
        let lowered = key.lowercased()
        return fields.first { $0.key.lowercased() == lowered }?.value
    }

    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    package var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    package var isNull: Bool { self == .null }
}

extension JSONValue: Codable {
    package init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var fields: [String: JSONValue] = [:]
            for key in keyed.allKeys {
                fields[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key)
            }
            self = .object(fields)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !unkeyed.isAtEnd { items.append(try unkeyed.decode(JSONValue.self)) }
            self = .array(items)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let value = try? single.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? single.decode(Double.self) {
                self = .number(JSONNumber(value))
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .number(let value):
            var single = encoder.singleValueContainer()
            try value.encode(into: &single)
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .array(let items):
            var unkeyed = encoder.unkeyedContainer()
            for item in items { try unkeyed.encode(item) }
        case .object(let fields):
            var keyed = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in fields { try keyed.encode(value, forKey: AnyKey(key)) }
        }
    }
}

/// A coding key for keys known only at run time.
package struct AnyKey: CodingKey, Hashable {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(_ string: String) { self.stringValue = string }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { self.stringValue = String(intValue) }
}
