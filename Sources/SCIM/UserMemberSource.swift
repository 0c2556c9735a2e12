/// Where the value of one member of a user resource is read from: a ``JSONValue`` already parsed
/// (``SCIMUser/init(json:)``), or a page's bytes at the value's start (``UserPageDecoding``), which
/// build no dictionary for the objects inside a user. `SCIMUser.read(member:from:)` states once
/// what each member means; the sources only answer in the tolerant terms of ``JSONValue``.
protocol UserMemberSource {
    /// What ``JSONValue/text`` says of the value.
    mutating func readText() throws -> String?
    /// What ``JSONValue/bool`` says of the value.
    mutating func readBool() throws -> Bool?
    /// The members `names` of an object, as ``JSONValue``'s subscript picks them; nil when the
    /// value is not an object.
    mutating func readObject(_ names: [String]) throws -> [JSONValue?]?
    /// The entries of ``JSONValue/elements``: objects picked as `readObject(_:)` does, others as they are.
    mutating func readElements(_ names: [String]) throws -> [PickedEntry]
    /// The whole value, as JSON (for an attribute kept as it was sent).
    mutating func readJSON() throws -> JSONValue
}

enum PickedEntry {
    case object([JSONValue?])
    case value(JSONValue)
}

extension JSONValue: UserMemberSource {
    func readJSON() -> JSONValue { self }
    func readText() -> String? { text }
    func readBool() -> Bool? { bool }

    func readObject(_ names: [String]) -> [JSONValue?]? {
        guard case .object = self else { return nil }
        return names.map { self[$0] }
    }

    func readElements(_ names: [String]) -> [PickedEntry] {
        elements.map { entry in entry.readObject(names).map(PickedEntry.object) ?? .value(entry) }
    }
}

/// A page's bytes at the start of a member's value, `depth` levels into the page.
struct ParsedMember: UserMemberSource {
    var parser: JSONParser
    let depth: Int

    mutating func readJSON() throws -> JSONValue { try parser.readValue(depth: depth) }
    mutating func readText() throws -> String? { try parser.readValue(depth: depth).text }
    mutating func readBool() throws -> Bool? { try parser.readValue(depth: depth).bool }

    mutating func readObject(_ names: [String]) throws -> [JSONValue?]? {
        try Self.pick(names, in: &parser, depth: depth)
    }

    mutating func readElements(_ names: [String]) throws -> [PickedEntry] {
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count else { throw parser.error("unexpected end") }
        switch parser.bytes[parser.index] {
        case UInt8(ascii: "{"):
            return [.object(try Self.pick(names, in: &parser, depth: depth) ?? [])]
        case UInt8(ascii: "["):
            guard depth + 1 < JSONParser.maxDepth else {
                throw parser.error("nested deeper than \(JSONParser.maxDepth) levels")
            }
            parser.index += 1
            var entries: [PickedEntry] = []
            if parser.take(UInt8(ascii: "]")) { return entries }
            repeat {
                parser.skipWhitespace()
                if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "{") {
                    entries.append(.object(try Self.pick(names, in: &parser, depth: depth + 1) ?? []))
                } else {
                    entries.append(.value(try parser.readValue(depth: depth + 1)))
                }
            } while parser.take(UInt8(ascii: ","))
            try parser.expect(UInt8(ascii: "]"))
            return entries
        default:
            try parser.skipValue(depth: depth)
            return []
        }
    }

    /// The members `names` of the object at hand, as ``JSONValue``'s subscript picks them (the exact
    /// spelling, else the first in another case); nil, the value stepped over, when it is not one.
    private static func pick(_ names: [String], in parser: inout JSONParser, depth: Int) throws -> [JSONValue?]? {
        parser.skipWhitespace()
        guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "{") else {
            try parser.skipValue(depth: depth)
            return nil
        }
        var picked = [JSONValue?](repeating: nil, count: names.count)
        var found = MemberChoice()
        try parser.members(depth: depth) { parser, key in
            if let position = found.claimPosition(key, among: names) {
                picked[position] = try parser.readValue(depth: depth + 1)
            } else {
                try parser.skipValue(depth: depth + 1)
            }
        }
        return picked
    }
}
