import Foundation
import SCIM

/// A five-field cron expression (minute hour day-of-month month day-of-week), in UTC: `*`, lists
/// (`1,15`), ranges (`1-5`), steps (`*/15`, `0-30/10`), month and day names (`jan`, `mon`), and
/// Sunday as 0 or 7. As in cron, when both day fields are restricted a day matching either runs.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    let minutes, hours, days, months, weekdays: Set<Int>
    let anyDay, anyWeekday: Bool

    public var description: String { text }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(_ text: String) throws {
        let fields = text.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw RosterError.invalid(
                "a cron expression has five fields (minute hour day-of-month month day-of-week), like \"0 2 * * *\"; "
                    + "\"\(text)\" has \(fields.count)")
        }
        self.text = fields.joined(separator: " ")
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        days = try Self.field(fields[2], "day of the month", 1...31)
        months = try Self.field(fields[3], "month", 1...12, names: Self.monthNames, firstName: 1)
        weekdays = Set(
            try Self.field(fields[4], "day of the week", 0...7, names: Self.dayNames, firstName: 0).map { $0 % 7 })
        anyDay = fields[2] == "*"
        anyWeekday = fields[4] == "*"
    }

    /// The values one field allows.
    static func field(
        _ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], firstName: Int = 0
    ) throws -> Set<Int> {
        func number(_ part: Substring) throws -> Int {
            if let index = names.firstIndex(of: String(part)) { return index + firstName }
            guard let value = CheckedNumber.read(part, in: range) else {
                throw RosterError.invalid(
                    "the cron \(name) field \"\(text)\" has \"\(part)\": use \(range.lowerBound) to \(range.upperBound)"
                        + (names.isEmpty ? "" : " or a name like \(names[1])"))
            }
            return value
        }
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !item.isEmpty else {
                throw RosterError.invalid("the cron \(name) field \"\(text)\" cannot be read")
            }
            var step = 1
            if pieces.count == 2 {
                // A step past the field's span picks its first value only; held there, the stride never
                // steps past an Int.
                guard let value = CheckedNumber.read(pieces[1], in: 1...Int.max) else {
                    throw RosterError.invalid("the cron \(name) field \"\(text)\" needs a positive step after /")
                }
                step = min(value, range.count)
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                let low = try number(pieces[0][..<dash]), high = try number(pieces[0][pieces[0].index(after: dash)...])
                guard low <= high else {
                    throw RosterError.invalid("the cron \(name) field \"\(text)\" has a range that runs backwards")
                }
                span = low...high
            } else {
                let value = try number(pieces[0])
                span = value...(pieces.count == 2 ? range.upperBound : value)
            }
            values.formUnion(Swift.stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    func matchesDay(_ parts: DateComponents) -> Bool {
        let day = days.contains(parts.day!), weekday = weekdays.contains(parts.weekday! - 1)
        if anyDay || anyWeekday { return day && weekday }
        return day || weekday
    }

    /// The latest minute at or before `date` the expression names; nil if none in the four
    /// years before (`0 0 31 2 *` never comes).
    public func previous(atOrBefore date: Date) -> Date? {
        let calendar = Self.utc
        var t = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60)
        let limit = date.addingTimeInterval(-4 * 366 * 86_400)
        while t >= limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            if !months.contains(parts.month!) {
                // To the last minute of the month before.
                t = calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: 1))!
                    .addingTimeInterval(-60)
            } else if !matchesDay(parts) {
                t = calendar.startOfDay(for: t).addingTimeInterval(-60)
            } else if !hours.contains(parts.hour!) {
                t = t.addingTimeInterval(-Double(parts.minute! + 1) * 60)
            } else if !minutes.contains(parts.minute!) {
                t = t.addingTimeInterval(-60)
            } else {
                return t
            }
        }
        return nil
    }

    /// The expression in words, for the common shapes; the expression itself otherwise.
    public var words: String {
        let f = text.split(separator: " ").map(String.init)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let oneMinute = minutes.count == 1 ? minutes.first : nil
        let oneHour = hours.count == 1 ? hours.first : nil
        if let m = oneMinute, let h = oneHour, f[3] == "*" {
            let at = "at \(two(h)):\(two(m)) UTC"
            if anyDay && anyWeekday { return "every day \(at)" }
            if anyDay, weekdays == [1, 2, 3, 4, 5] { return "every weekday \(at)" }
            if anyDay, weekdays.count == 1, let d = weekdays.first {
                return "every \(Self.weekdayNames[d]) \(at)"
            }
            if anyWeekday, days.count == 1, let d = days.first { return "on day \(d) of every month \(at)" }
        }
        if f[2] == "*", f[3] == "*", f[4] == "*" {
            if f[1] == "*", let m = oneMinute { return "every hour at minute \(m)" }
            if f[1] == "*", f[0].hasPrefix("*/") { return "every \(f[0].dropFirst(2)) minutes" }
            if f[1].hasPrefix("*/"), let m = oneMinute { return "every \(f[1].dropFirst(2)) hours at minute \(m)" }
        }
        return "at cron \"\(text)\" (UTC)"
    }

    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
}
