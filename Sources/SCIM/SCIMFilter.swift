import Foundation

/// A SCIM filter expression (RFC 7644 §3.4.2.2), parsed so Roster can filter itself when a
/// service provider cannot, and can reject a malformed filter before sending it anywhere.
public indirect enum SCIMFilter: Sendable, Hashable {
    public enum Operator: String, Sendable, CaseIterable {
        case eq, ne, co, sw, ew, gt, lt, ge, le
    }

    case present(AttributePath)
    case compare(AttributePath, Operator, JSONValue)
    case and(SCIMFilter, SCIMFilter)
    case or(SCIMFilter, SCIMFilter)
    case not(SCIMFilter)
    /// `emails[type eq "work"]`: a condition on the elements of a multi-valued attribute.
    case valuePath(AttributePath, SCIMFilter)

    /// `name.givenName`, `emails.value`, or with a schema URN prefix.
    public struct AttributePath: Sendable, Hashable, CustomStringConvertible {
        public var schema: String?
        public var name: String
        public var subAttribute: String?

        public init(_ text: String) {
            var rest = text
            if text.lowercased().hasPrefix("urn:"), let colon = text.lastIndex(of: ":") {
                schema = String(text[..<colon])
                rest = String(text[text.index(after: colon)...])
            }
            let parts = rest.split(separator: ".", maxSplits: 1).map(String.init)
            name = parts.first ?? rest
            subAttribute = parts.count > 1 ? parts[1] : nil
        }

        public var description: String {
            (schema.map { $0 + ":" } ?? "") + name + (subAttribute.map { "." + $0 } ?? "")
        }

        /// Every value this path reaches in `resource`: multi-valued attributes give several.
        public func values(in resource: JSONValue) -> [JSONValue] {
            var base = resource
            if let schema {
                guard let extensionObject = resource[schema] else {
                    return schema.lowercased() == SCIMSchema.user.lowercased()
                        ? AttributePath(name + (subAttribute.map { "." + $0 } ?? "")).values(in: resource) : []
                }
                base = extensionObject
            }
            guard let attribute = base[name], !attribute.isNull else { return [] }
            let items: [JSONValue] = if case .array(let array) = attribute { array } else { [attribute] }
            return items.compactMap { item in
                if let subAttribute { return item[subAttribute] }
                // A complex value compares by its "value" sub-attribute (RFC 7644 §3.4.2.2).
                if case .object = item { return item["value"] }
                return item
            }.filter { !$0.isNull }
        }
    }

    /// `text` as a filter's string value: quoted, with `"` and `\` escaped as JSON does.
    public static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The most a filter may be: bytes, nesting, `and`/`or` operators.
    public static let limits = (
        length: FilterParser.maxLength, depth: FilterParser.maxDepth,
        operators: FilterParser.maxOperators
    )

    /// Parses `text`, or throws a ``SCIMFilterError`` saying where and what is wrong.
    public init(parsing text: String) throws {
        var parser = FilterParser(text: text)
        self = try parser.parseFilter()
        try parser.expectEnd()
    }

    /// Whether `resource` matches, comparing text case-insensitively except on the attributes
    /// `caseExact` names (RFC 7643 §2.2: `id` and `externalId`, for one).
    public func matches(_ resource: JSONValue, caseExact: (AttributePath) -> Bool = { _ in false }) -> Bool {
        switch self {
        case .present(let path):
            return path.values(in: resource).contains { value in
                if case .string(let s) = value { return !s.isEmpty }
                if case .array(let a) = value { return !a.isEmpty }
                return true
            }
        case .compare(let path, let op, let expected):
            let values = path.values(in: resource)
            let exact = caseExact(path)
            if op == .ne { return !values.contains { Self.compare($0, .eq, expected, caseExact: exact) } }
            if case .null = expected, op == .eq { return values.isEmpty }
            return values.contains { Self.compare($0, op, expected, caseExact: exact) }
        case .and(let left, let right):
            return left.matches(resource, caseExact: caseExact) && right.matches(resource, caseExact: caseExact)
        case .or(let left, let right):
            return left.matches(resource, caseExact: caseExact) || right.matches(resource, caseExact: caseExact)
        case .not(let inner): return !inner.matches(resource, caseExact: caseExact)
        case .valuePath(let path, let inner):
            var container = resource
            if let schema = path.schema, let ext = resource[schema] { container = ext }
            return (container[path.name]?.elements ?? []).contains { element in
                inner.matches(element) { caseExact(AttributePath(path.name + "." + $0.name)) }
            }
        }
    }

    static func compare(_ actual: JSONValue, _ op: Operator, _ expected: JSONValue, caseExact: Bool = false) -> Bool {
        if let a = actual.bool, case .bool(let e) = expected {
            return op == .eq ? a == e : false
        }
        if case .number(let a) = actual, case .number(let e) = expected {
            switch op {
            case .eq: return a == e
            case .gt: return a > e
            case .lt: return a < e
            case .ge: return a >= e
            case .le: return a <= e
            default: break
            }
        }
        guard var a = actual.text, var e = expected.text else { return false }
        if !caseExact {
            a = a.lowercased()
            e = e.lowercased()
        }
        switch op {
        case .eq: return a == e
        case .ne: return a != e
        case .co: return a.contains(e)
        case .sw: return a.hasPrefix(e)
        case .ew: return a.hasSuffix(e)
        case .gt: return a > e
        case .lt: return a < e
        case .ge: return a >= e
        case .le: return a <= e
        }
    }
}

/// A filter Roster cannot parse: the message names the position and what was expected.
public struct SCIMFilterError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
