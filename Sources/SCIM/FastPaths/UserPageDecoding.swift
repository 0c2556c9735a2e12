/// One page of a listing, its resources already decoded.
struct ListPage<Element: Sendable>: Sendable {
    var totalResults: Int?
    var resources: [Element]
    var nextCursor: String?
}

extension ListPage where Element == JSONValue {
    init(_ response: ListResponse) {
        self.init(totalResults: response.totalResults, resources: response.resources, nextCursor: response.nextCursor)
    }
}

/// Reads a page of users straight into ``SCIMUser`` values in one pass: members Roster does not
/// map (`meta`, `schemas`, custom extensions) are skipped without building anything, and no tree
/// of the whole page is made. The values of mapped members are read with the same tolerant
/// accessors as ``SCIMUser/init(json:)``, and the tests hold the two to the same answers.
///
/// The user's `raw` stays null: a listing that needs it (to filter or sort locally, or to patch)
/// reads the page as JSON instead.
enum UserPageDecoding {
    static func page(_ bytes: [UInt8], status: Int, url: String) throws -> ListPage<SCIMUser> {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(buffer)
                let page = try parser.listPage()
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw parser.error("text after the JSON value") }
                return page
            }
        } catch is JSONParser.SyntaxError {
            throw SCIMClient.notJSON(bytes, status: status, url: url)
        }
    }
}

extension JSONParser {
    /// Calls `member` with each member name of the object at hand, first to last; `member` reads
    /// or skips the value.
    mutating func members(depth: Int, _ member: (inout JSONParser, String) throws -> Void) throws {
        guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        try expect(UInt8(ascii: "{"))
        if take(UInt8(ascii: "}")) { return }
        repeat {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try member(&self, key)
        } while take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Reads the value at hand as JSON (a small one: a name, an email list).
    mutating func readValue(depth: Int) throws -> JSONValue { try value(depth: depth) }

    /// Steps over the value at hand, checking its syntax, building nothing.
    mutating func skipValue(depth: Int) throws {
        guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try members(depth: depth) { parser, _ in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            index += 1
            if take(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while take(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"): index += 2
                case ..<0x20: throw error("a control character in a string")
                default: index += 1
                }
            }
            throw error("unterminated string")
        default:
            _ = try value(depth: depth)
        }
    }

    /// A list response whose resources are users.
    mutating func listPage() throws -> ListPage<SCIMUser> {
        var page = ListPage<SCIMUser>(totalResults: nil, resources: [], nextCursor: nil)
        var found = MemberChoice()
        try members(depth: 0) { parser, key in
            switch found.claim(key, among: ["totalResults", "Resources", "nextCursor"]) {
            case "totalResults": page.totalResults = try parser.readValue(depth: 1).int
            case "nextCursor":
                page.nextCursor = try parser.readValue(depth: 1).text.flatMap { $0.isEmpty ? nil : $0 }
            case "Resources":
                parser.skipWhitespace()
                guard parser.index < parser.bytes.count else { throw parser.error("unexpected end") }
                switch parser.bytes[parser.index] {
                case UInt8(ascii: "["):
                    parser.index += 1
                    if parser.take(UInt8(ascii: "]")) { return }
                    repeat { page.resources.append(try parser.user(depth: 2)) } while parser.take(UInt8(ascii: ","))
                    try parser.expect(UInt8(ascii: "]"))
                case UInt8(ascii: "{"):
                    throw SCIMClientError(.unexpectedResponse, "\"Resources\" is an object, not a list")
                default:
                    // null, or a value that holds no users, as `elements` reads it.
                    try parser.skipValue(depth: 1)
                }
            default: try parser.skipValue(depth: 1)
            }
        }
        return page
    }

    /// One user, or what `SCIMUser(json:)` makes of a value that is not an object.
    mutating func user(depth: Int) throws -> SCIMUser {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else {
            var user = SCIMUser(json: try value(depth: depth))
            user.raw = .null
            return user
        }
        // Member by member into the user: no dictionary of the resource, no search for the
        // members it lacks.
        var user = SCIMUser(userName: nil)
        var found = MemberChoice()
        try self.members(depth: depth) { parser, key in
            if let name = found.claim(key, among: SCIMUser.mappedMembers) {
                var member = ParsedMember(parser: parser, depth: depth + 1)
                try user.read(member: name, from: &member)
                parser = member.parser
            } else {
                try parser.skipValue(depth: depth + 1)
            }
        }
        return user
    }
}

/// Which member of an object stands for each name Roster reads: the exact spelling wins, else the
/// first spelled in another case, as ``JSONValue``'s subscript picks; a repeated one is skipped.
struct MemberChoice {
    /// Bit i: `names[i]` was claimed in its exact spelling; in another case.
    private var exact: UInt64 = 0
    private var other: UInt64 = 0

    /// The name `key` stands for, or nil to skip its value. At most 64 names.
    mutating func claim(_ key: String, among names: [String]) -> String? {
        claimPosition(key, among: names).map { names[$0] }
    }

    /// The position in `names` of the name `key` stands for, or nil to skip its value.
    mutating func claimPosition(_ key: String, among names: [String]) -> Int? {
        if let position = names.firstIndex(of: key) {
            let bit: UInt64 = 1 << position
            guard exact & bit == 0 else { return nil }
            exact |= bit
            return position
        }
        guard let position = names.firstIndex(where: { JSONValue.equalIgnoringCase($0, key) }) else { return nil }
        let bit: UInt64 = 1 << position
        guard (exact | other) & bit == 0 else { return nil }
        other |= bit
        return position
    }
}
