import Foundation

extension Date {
    /// `2026-11-30T14:19:06Z`: what `JSONEncoder`'s `.iso8601` writes (whole seconds, UTC).
    public var iso8601Text: String {
        var seconds = time_t(exactly: timeIntervalSince1970.rounded(.down)) ?? 0
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        // bounded: a C tm year
        let year = Int(parts.tm_year) + 1900
        let yearText =
            year >= 0 && year < 1000
            ? String(repeating: "0", count: 4 - String(year).count) + String(year)
            : String(year)
        return yearText + "-" + two(parts.tm_mon + 1) + "-" + two(parts.tm_mday) + "T" + two(parts.tm_hour) + ":"
            + two(parts.tm_min) + ":" + two(parts.tm_sec) + "Z"
    }
}
