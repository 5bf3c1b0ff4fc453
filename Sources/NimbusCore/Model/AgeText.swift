import Foundation

/// A span back from now as people type it: `90s`, `15m`, `1h`, `7d` (`--since`, the usage API's `since`).
package enum AgeText {
    package static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        // At most 100 years: a span of 1e300 seconds would reach dates no conversion can hold.
        guard let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount > 0,
            amount * unit <= 100 * 366 * 86_400
        else {
            return nil
        }
        return amount * unit
    }
}
