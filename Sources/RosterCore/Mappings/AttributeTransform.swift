import Foundation

/// One step from an application's value to a directory value, from a small fixed set. A rule
/// applies its steps in order to the values its path reads (a multi-valued path reads several).
public enum AttributeTransform: Sendable, Hashable {
    case trim
    case lower
    case upper
    /// When nothing is read (or only empty text), this value.
    case defaultValue(String)
    /// A regular expression replaced in every value (`$1` names a group).
    case replace(pattern: String, with: String)
    /// Several values become one, joined by `separator`.
    case join(separator: String)
    /// Each value split at `separator`; with `index`, only that part (0 the first, -1 the last).
    case split(separator: String, index: Int?)
    /// Each value looked up in `table`; a value not in it becomes `otherwise`, or stays when nil.
    case map(table: [String: String], otherwise: String?)

    /// The values after this step.
    public func apply(_ values: [String]) throws -> [String] {
        switch self {
        case .trim: return values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        case .lower: return values.map { $0.lowercased() }
        case .upper: return values.map { $0.uppercased() }
        case .defaultValue(let value): return values.contains { !$0.isEmpty } ? values : [value]
        case .replace(let pattern, let replacement):
            let regex = try Self.regex(pattern)
            return try values.map { value in try Self.replace(regex, in: value, with: replacement) }
        case .join(let separator): return values.isEmpty ? [] : [values.joined(separator: separator)]
        case .split(let separator, let index):
            guard !separator.isEmpty else { throw RosterError.invalid("split needs a separator") }
            return values.flatMap { value -> [String] in
                let parts = value.components(separatedBy: separator)
                guard let index else { return parts }
                let position = index < 0 ? parts.count + index : index
                return parts.indices.contains(position) ? [parts[position]] : []
            }
        case .map(let table, let otherwise):
            return values.compactMap { table[$0] ?? otherwise ?? $0 }
        }
    }

    /// Its name in a rule's summary.
    public var name: String {
        switch self {
        case .trim: "trim"
        case .lower: "lower"
        case .upper: "upper"
        case .defaultValue(let value): "default \"\(value)\""
        case .replace(let pattern, let with): "replace /\(pattern)/ with \"\(with)\""
        case .join(let separator): "join \"\(separator)\""
        case .split(let separator, let index): "split \"\(separator)\"" + (index.map { " #\($0)" } ?? "")
        case .map(let table, _): "map (\(table.count) values)"
        }
    }

    /// How long one replacement may take on one value: a pattern that backtracks without end
    /// (`(a+)+$`) on a value a provider chose would otherwise hold a worker for good.
    static let matchBudget: Duration = .milliseconds(500)

    /// `value` with every match of `regex` replaced by `template`, within ``matchBudget``.
    static func replace(_ regex: NSRegularExpression, in value: String, with template: String) throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + matchBudget
        var matches: [NSTextCheckingResult] = []
        var overran = false
        // With reportProgress the block is called during a long match too, so it can be stopped.
        regex.enumerateMatches(in: value, options: [.reportProgress], range: NSRange(value.startIndex..., in: value)) {
            match, _, stop in
            if let match { matches.append(match) }
            if clock.now > deadline {
                overran = true
                stop.pointee = true
            }
        }
        guard !overran else {
            throw RosterError.invalid(
                "the pattern /\(regex.pattern)/ took longer than \(matchBudget) on a value of \(value.count) "
                    + "characters: simplify it (nested repetition such as (a+)+ backtracks without end)")
        }
        let text = value as NSString
        var result = ""
        var position = 0
        for match in matches {
            // bounded: positions within the string the match came from
            result += text.substring(with: NSRange(location: position, length: match.range.location - position))
            result += regex.replacementString(for: match, in: value, offset: 0, template: template)
            position = match.range.location + match.range.length
        }
        return result + text.substring(from: position)
    }

    static func regex(_ pattern: String) throws -> NSRegularExpression {
        do { return try NSRegularExpression(pattern: pattern) } catch {
            throw RosterError.invalid("\"\(pattern)\" is not a regular expression")
        }
    }

    /// Checks what can be checked before any value: the pattern compiles, split has a separator.
    public func validate() throws {
        switch self {
        case .replace(let pattern, _): _ = try Self.regex(pattern)
        case .split(let separator, _) where separator.isEmpty: throw RosterError.invalid("split needs a separator")
        default: break
        }
    }
}

/// As exported and imported: `{"op": "replace", "pattern": "…", "with": "…"}`.
extension AttributeTransform: Codable {
    enum Keys: String, CodingKey { case op, value, pattern, with, separator, index, table, otherwise }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let op = try c.decode(String.self, forKey: .op)
        switch op {
        case "trim": self = .trim
        case "lower": self = .lower
        case "upper": self = .upper
        case "default": self = .defaultValue(try c.decode(String.self, forKey: .value))
        case "replace":
            self = .replace(
                pattern: try c.decode(String.self, forKey: .pattern), with: try c.decode(String.self, forKey: .with))
        case "join": self = .join(separator: try c.decode(String.self, forKey: .separator))
        case "split":
            self = .split(
                separator: try c.decode(String.self, forKey: .separator),
                index: try c.decodeIfPresent(Int.self, forKey: .index))
        case "map":
            self = .map(
                table: try c.decode([String: String].self, forKey: .table),
                otherwise: try c.decodeIfPresent(String.self, forKey: .otherwise))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .op, in: c,
                debugDescription: "\"\(op)\" is not a transform: trim, lower, upper, default, replace, join, split, map"
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .trim: try c.encode("trim", forKey: .op)
        case .lower: try c.encode("lower", forKey: .op)
        case .upper: try c.encode("upper", forKey: .op)
        case .defaultValue(let value):
            try c.encode("default", forKey: .op)
            try c.encode(value, forKey: .value)
        case .replace(let pattern, let with):
            try c.encode("replace", forKey: .op)
            try c.encode(pattern, forKey: .pattern)
            try c.encode(with, forKey: .with)
        case .join(let separator):
            try c.encode("join", forKey: .op)
            try c.encode(separator, forKey: .separator)
        case .split(let separator, let index):
            try c.encode("split", forKey: .op)
            try c.encode(separator, forKey: .separator)
            try c.encodeIfPresent(index, forKey: .index)
        case .map(let table, let otherwise):
            try c.encode("map", forKey: .op)
            try c.encode(table, forKey: .table)
            try c.encodeIfPresent(otherwise, forKey: .otherwise)
        }
    }
}
