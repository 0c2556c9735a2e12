import Foundation
import SCIM

/// When scheduled imports run: every N minutes, hours or days (slots counted from the Unix epoch,
/// so every instance agrees on them), or at the minutes a cron expression names (UTC).
public enum Cadence: Sendable, Hashable {
    case every(seconds: Int)
    case cron(CronExpression)

    /// The shortest interval: a schedule that runs more often is an import storm, not a schedule.
    public static let shortest = 5 * 60

    /// `30m`, `6h`, `1d` (or `90min`, `2 hours`).
    public static func every(_ text: String) throws -> Cadence {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let scale: Int? =
            switch unit {
            case "m", "min", "mins", "minute", "minutes": 60
            case "h", "hour", "hours": 3_600
            case "d", "day", "days": 86_400
            default: nil
            }
        guard let scale, let count = CheckedNumber.read(digits, in: 1...(366 * 86_400 / scale)) else {
            throw RosterError.invalid(
                "\"\(text)\" is not an interval: give a number and m, h or d, like 30m, 6h or 1d")
        }
        guard count * scale >= shortest else {  // bounded: count is at most a year of scale
            throw RosterError.invalid("a schedule runs at most every 5 minutes; \"\(text)\" is more often")
        }
        return .every(seconds: count * scale)
    }

    /// The cadence an administrator typed: an interval or a cron expression, exactly one.
    public static func parse(every: String?, cron: String?) throws -> Cadence {
        switch (
            every?.trimmingCharacters(in: .whitespaces).nonEmpty, cron?.trimmingCharacters(in: .whitespaces).nonEmpty
        ) {
        case (let every?, nil): return try .every(every)
        case (nil, let cron?): return .cron(try CronExpression(cron))
        case (nil, nil): throw RosterError.invalid("say when: an interval (every, like 6h) or a cron expression (cron)")
        default: throw RosterError.invalid("give an interval (every) or a cron expression (cron), not both")
        }
    }

    /// The latest slot at or before `date`.
    public func latestSlot(atOrBefore date: Date) -> Date? {
        switch self {
        case .every(let seconds):
            // bounded: the clock's time; seconds is at most a year (`every` and init(text:) read it so)
            let t = Int(date.timeIntervalSince1970.rounded(.down))
            let offset = ((t % seconds) + seconds) % seconds  // bounded: as above
            return Date(timeIntervalSince1970: Double(t - offset))
        case .cron(let expression):
            return expression.previous(atOrBefore: date)
        }
    }

    /// In words: "every 6 hours", "every day at 02:00 UTC".
    public var words: String {
        switch self {
        case .cron(let expression): return expression.words
        case .every(let seconds):
            for (size, name) in [(86_400, "day"), (3_600, "hour"), (60, "minute")] where seconds % size == 0 {
                let n = seconds / size
                return n == 1 ? "every \(name)" : "every \(n) \(name)s"
            }
            return "every \(seconds) seconds"
        }
    }

    /// As stored and as the command line takes it: `every 21600` or `cron 0 2 * * *`.
    public var text: String {
        switch self {
        case .every(let seconds): "every \(seconds)"
        case .cron(let expression): "cron \(expression.text)"
        }
    }

    /// The flag of `roster app schedule` that sets it: `--every 21600s`… as minutes, or `--cron "…"`.
    var flag: String {
        switch self {
        case .every(let seconds): seconds % 3600 == 0 ? "--every \(seconds / 3600)h" : "--every \(seconds / 60)m"
        case .cron(let expression): "--cron \"\(expression.text)\""
        }
    }

    public init(text: String) throws {
        if text.hasPrefix("every "), let seconds = CheckedNumber.read(text.dropFirst(6), in: 1...(366 * 86_400)) {
            self = .every(seconds: seconds)
        } else if text.hasPrefix("cron ") {
            self = .cron(try CronExpression(String(text.dropFirst(5))))
        } else {
            throw RosterError.invalid("a stored schedule cannot be read: \"\(text)\"")
        }
    }
}
