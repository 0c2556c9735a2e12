import Foundation
import SCIM

/// What the directory keeps of a user beyond SPEC's fourteen attributes (docs/concepts.md), exactly
/// as a SCIM client or an application sent it: every email, phone number and address with its type
/// (the fourteen keep only the chosen email and the work and home entries), the name with its
/// formatted form and honorifics, RFC 7643's other User attributes (`nickName`, `preferredLanguage`,
/// `locale`, `timezone`, `ims`, `photos`, `entitlements`, `roles`, `x509Certificates`, …) and the
/// enterprise extension's `division` and `manager`. What a client writes, it reads back.
public struct UserProfile: Sendable, Hashable {
    /// Each attribute by its SCIM name, as sent.
    public private(set) var attributes: [String: JSONValue]

    /// The names a profile holds: core attributes, then the enterprise extension's.
    public static let core = SCIMUser.otherMembers + SCIMUser.keptWhole
    public static let enterprise = ["division", "manager"]
    /// Its text attributes a rule or a filter can read by name (``DirectoryUser/value(of:)``).
    public static let readable = ["nickName", "preferredLanguage", "locale", "timezone", "division", "profileUrl"]

    /// The most entries a multi-valued attribute keeps, and the longest text (a certificate or a
    /// photo's URL may be longer than a name).
    static let maxEntries = 50
    static let maxText = 1024
    static let maxLongText = 8192

    public init() { attributes = [:] }

    /// The profile of a user as `remote` holds it; a value that is not what RFC 7643 says the
    /// attribute holds is refused, naming it.
    public init(_ remote: SCIMUser) throws(UserMapping.Failure) {
        var attributes: [String: JSONValue] = [:]
        for (name, value) in remote.kept where !value.isNull {
            try Self.check(name, value)
            attributes[name] = value
        }
        if let division = remote.enterprise?.division { attributes["division"] = .string(division) }
        self.attributes = attributes
    }

    public var isEmpty: Bool { attributes.isEmpty }

    public subscript(name: String) -> JSONValue? { attributes[name] }

    /// A single-valued text attribute (`preferredLanguage`, `locale`, `timezone`, `nickName`, `division`).
    public func text(_ name: String) -> String? { attributes[name]?.text }

    /// Every email, phone number or other multi-valued entry as sent, typed.
    public func entries(_ name: String) -> [SCIMUser.MultiValue] {
        attributes[name].map(SCIMUser.MultiValue.entries) ?? []
    }

    /// The manager as sent: its id (the directory's for SCIM clients, the application's on import)
    /// and display name; Entra ID sends the bare id.
    public var manager: (value: String?, displayName: String?)? {
        guard let manager = attributes["manager"] else { return nil }
        if case .object = manager { return (manager["value"]?.text, manager["displayName"]?.text) }
        return manager.text.map { ($0, nil) }
    }

    /// What RFC 7643 says each attribute holds, and bounds on it.
    private static func check(_ name: String, _ value: JSONValue) throws(UserMapping.Failure) {
        func fail(_ problem: String) -> UserMapping.Failure { .invalidValue(attribute: name, problem: problem) }
        func text(_ value: JSONValue, _ limit: Int = maxText) throws(UserMapping.Failure) {
            switch value {
            case .string(let text):
                if text.utf8.count > limit, text.count > limit { throw fail("is longer than \(limit) characters") }
                if text.utf8.contains(0) { throw fail("contains a NUL character") }
                // As in names: a direction override would show one address or name as another. Line
                // breaks and tabs stay (an address's `formatted` has lines); other controls do not.
                if let control = UserMapping.controlCharacter(in: text, allowing: ["\t", "\n", "\r"]) {
                    throw fail("contains the control character \(control.code)")
                }
                if let scalar = UserMapping.directionControl(in: text) {
                    throw fail("contains the direction control \(scalar.code)")
                }
            case .null: return
            default: throw fail("is \(value.kind), not text")
            }
        }
        switch name {
        case "nickName", "preferredLanguage", "locale", "timezone", "division": try text(value)
        case "profileUrl": try text(value, maxLongText)
        case "manager":
            // An object with its id (Entra ID may send the bare id).
            if case .object(let members) = value {
                for (key, inner) in members {
                    guard ["value", "$ref", "displayName"].contains(key) else { throw fail("has no \(key)") }
                    try text(inner, key == "$ref" ? maxLongText : maxText)
                }
            } else {
                try text(value)
            }
        case "name":
            guard case .object(let members) = value else { throw fail("is \(value.kind), not an object") }
            for (_, inner) in members { try text(inner) }
        default:
            // Multi-valued: a list of objects whose members are text, but `primary`, a boolean.
            guard case .array(let entries) = value else { throw fail("is \(value.kind), not a list") }
            guard entries.count <= maxEntries else { throw fail("has more than \(maxEntries) entries") }
            for entry in entries {
                guard case .object(let members) = entry else { throw fail("has an entry that is not an object") }
                for (key, inner) in members {
                    if key == "primary" {
                        guard inner.bool != nil || inner.isNull else {
                            throw fail("has a primary that is not true or false")
                        }
                    } else {
                        try text(inner, name == "x509Certificates" || name == "photos" ? maxLongText : maxText)
                    }
                }
            }
        }
    }
}

/// Stored as one JSON object.
extension UserProfile {
    /// The profile as stored: JSON text, members in key order.
    public var jsonText: String { JSONValue.object(attributes).jsonText }
}

extension UserProfile: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let members) = value else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an object"))
        }
        attributes = members
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(attributes).encode(to: encoder)
    }
}

extension Unicode.Scalar {
    /// `U+202E`: how an error names an invisible character.
    var code: String { "U+" + String(value, radix: 16, uppercase: true).leftPadded(to: 4) }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension JSONValue {
    /// What kind of value it is, for an error that says what was sent.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "text"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

extension DirectoryUser {
    /// The addresses as stored: JSON text, members in key order (as `JSONEncoder` with sorted keys
    /// writes them), written without the encoder: it cost an import of realistic users a twentieth.
    public var addressesJSONText: String {
        JSONValue.array(
            addresses.map { address in
                var members: [String: JSONValue] = ["type": .string(address.type)]
                let optional = [
                    ("streetAddress", address.streetAddress), ("locality", address.locality),
                    ("region", address.region), ("postalCode", address.postalCode), ("country", address.country),
                    ("poBox", address.poBox),
                ]
                for (key, value) in optional { if let value { members[key] = .string(value) } }
                return .object(members)
            }
        ).jsonText
    }

    /// The phone numbers as stored, written like ``addressesJSONText``.
    public var phoneNumbersJSONText: String {
        JSONValue.array(
            phoneNumbers.map { .object(["type": .string($0.type), "number": .string($0.number)]) }
        ).jsonText
    }
}
