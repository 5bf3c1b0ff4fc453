import Foundation

/// A number as JSON carries it. Its value leaves only through checked conversions, so no request can
/// reach `Int(someDouble)`, which traps past `Int.max` and would take the whole server down
/// (`{"versionId": 9223372036854775808}` did).
package struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// Kept private: read it with `integer(_:in:)`, `real(_:in:)` or `description`.
    private let value: Double

    package init(_ value: Double) { self.value = value }
    package init(_ value: Int) { self.value = Double(value) }

    /// The number as an integer within `range`, else `InvalidArgument` naming `field` and the range.
    package func integer(_ field: String, in range: ClosedRange<Int>) throws(NimbusError) -> Int {
        try Bounded.integer(value, field, in: range)
    }

    /// The number as an integer within `range`, or nil: for values Nimbus stored itself after checking them.
    package func integer(in range: ClosedRange<Int>) -> Int? {
        Int(exactly: value).flatMap { range.contains($0) ? $0 : nil }
    }

    /// The number as a finite value within `range`, else `InvalidArgument` naming `field` and the range.
    package func real(_ field: String, in range: ClosedRange<Double>) throws(NimbusError) -> Double {
        try Bounded.real(value, field, in: range)
    }

    /// Whole numbers print without a fraction (`3`, not `3.0`), as JSON writers do.
    package var description: String {
        if let whole = Int64(exactly: value), abs(value) < 9e15 { return String(whole) }
        return value.description
    }

    /// Whole numbers are written as integers (exact up to 2^53), others as doubles.
    func encode(into container: inout any SingleValueEncodingContainer) throws {
        if let whole = Int64(exactly: value), abs(value) < 9e15 {
            try container.encode(whole)
        } else {
            try container.encode(value)
        }
    }
}

extension JSONNumber: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    package init(integerLiteral value: Int) { self.init(value) }
    package init(floatLiteral value: Double) { self.init(value) }
}

/// The one way untrusted numbers (JSON, query strings, headers, manifests) become bounded values: every
/// conversion checks first and throws FC's `InvalidArgument` naming the field and the allowed range.
package enum Bounded {
    package static func integer(_ value: Double, _ field: String, in range: ClosedRange<Int>) throws(NimbusError)
        -> Int
    {
        guard let whole = Int(exactly: value), range.contains(whole) else { throw outOfRange(field, range) }
        return whole
    }

    package static func integer(_ text: some StringProtocol, _ field: String, in range: ClosedRange<Int>)
        throws(NimbusError) -> Int
    {
        guard let whole = Int(text), range.contains(whole) else { throw outOfRange(field, range) }
        return whole
    }

    package static func real(_ value: Double, _ field: String, in range: ClosedRange<Double>) throws(NimbusError)
        -> Double
    {
        guard value.isFinite, range.contains(value) else {
            throw .invalidArgument("\(field) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    package static func real(_ text: some StringProtocol, _ field: String, in range: ClosedRange<Double>)
        throws(NimbusError) -> Double
    {
        guard let value = Double(text) else {
            throw .invalidArgument("\(field) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return try real(value, field, in: range)
    }

    /// The latest time input may name: the end of year 9999, as far as RFC 1123 dates reach.
    package static let latestEpochSeconds: Double = 253_402_300_799

    /// A time given in seconds (or, with `scale` 1000, milliseconds) since the epoch, up to the year 9999.
    package static func epoch(_ text: some StringProtocol, _ field: String, scale: Double = 1) throws(NimbusError)
        -> Date
    {
        guard let value = Double(text), value.isFinite, (0...latestEpochSeconds * scale).contains(value) else {
            let unit = scale == 1 ? "seconds" : "milliseconds"
            throw .invalidArgument("\(field) must be \(unit) since the epoch, from 0 to \(latestEpochSeconds * scale)")
        }
        return Date(timeIntervalSince1970: value / scale)
    }

    static func outOfRange(_ field: String, _ range: ClosedRange<Int>) -> NimbusError {
        .invalidArgument("\(field) must be an integer from \(range.lowerBound) to \(range.upperBound)")
    }
}
