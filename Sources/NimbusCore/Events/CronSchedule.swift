import Foundation

/// A timer trigger's `cronExpression`: FC's six-field cron (seconds first, UTC unless `CRON_TZ=` says otherwise),
/// `@every <duration>` (Go durations: `1m`, `90s`, `1h30m`) or `@hourly`-style shorthands.
package struct CronSchedule: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case interval(TimeInterval)
        case fields(CronFields)
    }

    package var kind: Kind
    package var timeZone: TimeZone

    /// The longest `@every` (366 days): longer ones, or `@every 1e400s`, would reach infinite dates.
    static let longestInterval: TimeInterval = 366 * 86_400

    package init(parsing text: String) throws(NimbusError) {
        var expression = text.trimmingCharacters(in: .whitespaces)
        timeZone = TimeZone(identifier: "UTC")!
        if expression.hasPrefix("CRON_TZ=") || expression.hasPrefix("TZ=") {
            let parts = expression.split(separator: " ", maxSplits: 1)
            let name = String(parts[0].split(separator: "=", maxSplits: 1).last ?? "")
            guard let zone = TimeZone(identifier: name) else {
                throw .invalidArgument("cronExpression: unknown time zone '\(name)'")
            }
            timeZone = zone
            expression = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        }
        if expression.hasPrefix("@every") {
            let duration = expression.dropFirst("@every".count).trimmingCharacters(in: .whitespaces)
            guard let seconds = Self.goDuration(duration), (1...Self.longestInterval).contains(seconds) else {
                throw .invalidArgument(
                    "cronExpression '\(text)': @every needs a duration from 1s to 8784h (366 days), such as 30s, "
                        + "5m or 1h30m")
            }
            kind = .interval(seconds.rounded(.down))
            return
        }
        let shorthands = [
            "@yearly": "0 0 0 1 1 *", "@annually": "0 0 0 1 1 *", "@monthly": "0 0 0 1 * *",
            "@weekly": "0 0 0 * * 0", "@daily": "0 0 0 * * *", "@midnight": "0 0 0 * * *", "@hourly": "0 0 * * * *",
        ]
        kind = .fields(try CronFields(parsing: shorthands[expression] ?? expression, original: text))
    }

    /// The first tick strictly after `date`, at a whole second; nil if none comes within five years.
    package func next(after date: Date) -> Date? {
        let start = date.timeIntervalSince1970.rounded(.down) + 1
        switch kind {
        case .interval(let seconds):
            return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down) + seconds)
        case .fields(let fields):
            return fields.next(onOrAfter: Date(timeIntervalSince1970: start), in: timeZone)
        }
    }

    /// Parses Go's duration syntax (`1h2m3s`, `500ms` is refused: ticks are whole seconds).
    static func goDuration(_ text: String) -> TimeInterval? {
        var total: TimeInterval = 0
        var number = ""
        var sawUnit = false
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { return nil }
            switch character {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        return number.isEmpty && sawUnit ? total : nil
    }
}

/// The six fields of a cron expression as sets of allowed values.
package struct CronFields: Sendable, Equatable {
    var seconds: Set<Int>
    var minutes: Set<Int>
    var hours: Set<Int>
    var days: Set<Int>
    var months: Set<Int>
    var weekdays: Set<Int>
    /// Day-of-month and day-of-week restricted both: either may match (as in Vixie cron and FC's scheduler).
    var daysOr: Bool

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    init(parsing expression: String, original: String) throws(NimbusError) {
        let parts = expression.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 6 else {
            throw .invalidArgument(
                "cronExpression '\(original)' must have six fields (seconds minutes hours day-of-month month "
                    + "day-of-week) or be @every <duration>")
        }
        func field(_ index: Int, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], base: Int = 0)
            throws(NimbusError) -> Set<Int>
        {
            do {
                return try Self.values(parts[index], range, names: names, base: base)
            } catch {
                throw .invalidArgument("cronExpression '\(original)': bad \(name) field '\(parts[index])'")
            }
        }
        seconds = try field(0, "seconds", 0...59)
        minutes = try field(1, "minutes", 0...59)
        hours = try field(2, "hours", 0...23)
        days = try field(3, "day-of-month", 1...31)
        months = try field(4, "month", 1...12, names: Self.monthNames, base: 1)
        var weekdays = try field(5, "day-of-week", 0...7, names: Self.dayNames)
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        self.weekdays = weekdays
        let unrestricted: Set<String> = ["*", "?"]
        daysOr = !unrestricted.contains(parts[3]) && !unrestricted.contains(parts[5])
    }

    struct BadField: Error {}

    /// One field: `*`, `?`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n`, comma lists, and names for months and days.
    static func values(_ text: String, _ range: ClosedRange<Int>, names: [String], base: Int) throws(BadField)
        -> Set<Int>
    {
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw BadField() }
            var step = 1
            if stepParts.count == 2 {
                guard let value = Int(stepParts[1]), value > 0 else { throw BadField() }
                step = value
            }
            let span = String(stepParts[0])
            var low = range.lowerBound
            var high = range.upperBound
            if span != "*" && span != "?" {
                let bounds = span.split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(bounds.count) else { throw BadField() }
                low = try number(String(bounds[0]), names: names, base: base)
                high = bounds.count == 2 ? try number(String(bounds[1]), names: names, base: base) : low
                if bounds.count == 1 && stepParts.count == 2 { high = range.upperBound }
            }
            guard range.contains(low), range.contains(high), low <= high else { throw BadField() }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    static func number(_ text: String, names: [String], base: Int) throws(BadField) -> Int {
        if let value = Int(text) { return value }
        if let index = names.firstIndex(of: text.uppercased()) { return index + base }
        throw BadField()
    }

    func dayMatches(_ day: Int, weekday: Int) -> Bool {
        let dayOK = days.contains(day)
        let weekdayOK = weekdays.contains(weekday)
        return daysOr ? (dayOK || weekdayOK) : (dayOK && weekdayOK)
    }

    /// Walks forward field by field (month, day, hour, minute, second), as robfig/cron does.
    func next(onOrAfter start: Date, in zone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var date = start
        let limit = start.addingTimeInterval(5 * 366 * 86400)
        while date < limit {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            guard let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
                let second = c.second, let weekday = c.weekday
            else { return nil }
            if !months.contains(month) {
                date = calendar.date(from: DateComponents(year: c.year, month: month, day: 1))!
                date = calendar.date(byAdding: .month, value: 1, to: date)!
            } else if !dayMatches(day, weekday: weekday - 1) {
                date = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date))!
            } else if !hours.contains(hour) {
                date = calendar.date(
                    byAdding: .hour, value: 1, to: truncate(date, keep: [.year, .month, .day, .hour], calendar))!
            } else if !minutes.contains(minute) {
                date = calendar.date(
                    byAdding: .minute, value: 1,
                    to: truncate(date, keep: [.year, .month, .day, .hour, .minute], calendar))!
            } else if !seconds.contains(second) {
                date = date.addingTimeInterval(1)
            } else {
                return date
            }
        }
        return nil
    }

    func truncate(_ date: Date, keep: Set<Calendar.Component>, _ calendar: Calendar) -> Date {
        calendar.date(from: calendar.dateComponents(keep.union([.timeZone]), from: date)) ?? date
    }
}
