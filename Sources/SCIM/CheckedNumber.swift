/// The one way Roster reads a number that comes from outside (a request, a cursor, a stored value,
/// a provider) and does arithmetic on it: read into a range, and added without trapping. Swift stops
/// the process on an overflow, so a number a caller chose must never reach `+` unchecked
/// (`scripts/check-style` holds the request, cursor and provider paths to it).
public enum CheckedNumber {
    /// `text` as a whole number in `range`; nil when it is not one, or lies outside.
    public static func read(_ text: some StringProtocol, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text, radix: 10), range.contains(value) else { return nil }
        return value
    }

    /// `a + b`, or nil past what an Int holds.
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    /// `a - b`, or nil past what an Int holds.
    public static func subtract(_ a: Int, _ b: Int) -> Int? {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? nil : difference
    }

    /// `a + b`, held at the bounds of an Int instead of trapping.
    public static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        add(a, b) ?? (b > 0 ? .max : .min)
    }
}
