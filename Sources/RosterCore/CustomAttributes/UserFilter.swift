import Foundation

/// A condition on a custom attribute for the users list: `badge ge 100`, `site eq "Paris"`,
/// `contractor eq true`, `start lt 2026-01-01`, `badge pr` (has a value). Operators as in SCIM
/// filters (RFC 7644 §3.4.2.2); text compares without regard to case.
public struct UserFilter: Sendable, Hashable {
    public enum Operator: String, Sendable, CaseIterable {
        case eq, ne, lt, le, gt, ge, sw, co, pr
    }

    public var attribute: CustomAttribute
    public var op: Operator
    /// What the attribute is compared with, read as its type; nil for `pr`.
    public var value: CustomValue?

    public init(attribute: CustomAttribute, op: Operator, value: CustomValue?) {
        self.attribute = attribute
        self.op = op
        self.value = value
    }

    public init(parsing text: String, attributes: CustomAttributes) throws {
        let parts = text.trimmingCharacters(in: .whitespaces).split(
            separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        let shape = "write a filter as ATTRIBUTE OPERATOR VALUE, e.g. badge ge 100 or site eq \"Paris\""
        guard parts.count >= 2 else { throw RosterError.invalid("\"\(text)\" is not a filter: \(shape)") }
        guard let attribute = attributes[String(parts[0])] else {
            let declared = attributes.all.map(\.name)
            throw RosterError.invalid(
                "\"\(parts[0])\" is not a custom attribute"
                    + (declared.isEmpty
                        ? " (none is declared: roster attribute declare NAME --type TYPE)"
                        : "; declared: " + declared.joined(separator: ", ")))
        }
        guard let op = Operator(rawValue: parts[1].lowercased()) else {
            let ops = Operator.allCases.map(\.rawValue).joined(separator: ", ")
            throw RosterError.invalid("\"\(parts[1])\" is not an operator in \"\(text)\"; use one of \(ops)")
        }
        try Self.check(op, for: attribute)
        if op == .pr {
            guard parts.count == 2 else { throw RosterError.invalid("pr takes no value: \(attribute.name) pr") }
            self.init(attribute: attribute, op: op, value: nil)
            return
        }
        guard parts.count == 3 else {
            throw RosterError.invalid("\"\(text)\" has no value to compare with: \(shape)")
        }
        var value = String(parts[2])
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = String(value.dropFirst().dropLast())
        }
        self.init(attribute: attribute, op: op, value: try attribute.parse(value))
    }

    /// Orders mean nothing for true/false, and sw/co only for text.
    private static func check(_ op: Operator, for attribute: CustomAttribute) throws {
        let allowed: [Operator] =
            switch attribute.type {
            case .string: Operator.allCases
            case .number, .date: [.eq, .ne, .lt, .le, .gt, .ge, .pr]
            case .boolean: [.eq, .ne, .pr]
            }
        guard allowed.contains(op) else {
            throw RosterError.invalid(
                "the operator \(op.rawValue) does not apply to \(attribute.name), a \(attribute.type.rawValue); "
                    + "use one of " + allowed.map(\.rawValue).joined(separator: ", "))
        }
    }

    /// Whether `user` meets the condition (what the database does in its query, for tests and lists in memory).
    public func matches(_ user: DirectoryUser) -> Bool {
        let held = user.customValue(of: attribute.name)
        guard let value else { return held != nil }
        guard let held else { return op == .ne }
        switch (held, value) {
        case (.number(let a), .number(let b)): return Self.compare(a, b, op)
        case (.boolean(let a), .boolean(let b)): return op == .eq ? a == b : a != b
        case (.text(let a), .text(let b)):
            let (a, b) = (a.lowercased(), b.lowercased())
            switch op {
            case .sw: return a.hasPrefix(b)
            case .co: return a.contains(b)
            default: return Self.compare(a, b, op)
            }
        default: return op == .ne
        }
    }

    private static func compare<T: Comparable>(_ a: T, _ b: T, _ op: Operator) -> Bool {
        switch op {
        case .eq: a == b
        case .ne: a != b
        case .lt: a < b
        case .le: a <= b
        case .gt: a > b
        case .ge: a >= b
        case .sw, .co, .pr: false
        }
    }
}
