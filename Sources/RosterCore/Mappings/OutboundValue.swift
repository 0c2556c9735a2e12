import Foundation

/// What an outbound rule writes to the application, made from the directory's attributes: a
/// constant, several attributes joined, or the first of several that has a value. Without one, an
/// outbound rule writes its own directory attribute.
///
/// As JSON: `{"constant": "R&D"}`, `{"join": ["firstname", "lastname"], "separator": " "}`,
/// `{"firstOf": ["displayname", "firstname"]}`.
public enum OutboundValue: Sendable, Hashable {
    case constant(String)
    case join([String], separator: String)
    case firstOf([String])

    /// The directory attributes it reads.
    public var attributes: [String] {
        switch self {
        case .constant: []
        case .join(let names, _), .firstOf(let names): names
        }
    }

    /// Its text for `user`; nil when no attribute it reads has a value.
    public func text(for user: DirectoryUser) -> String? {
        func value(_ name: String) -> String? { user.value(of: name).flatMap { $0.isEmpty ? nil : $0 } }
        switch self {
        case .constant(let text): return text
        case .join(let names, let separator):
            let parts = names.compactMap(value)
            return parts.isEmpty ? nil : parts.joined(separator: separator)
        case .firstOf(let names): return names.lazy.compactMap(value).first
        }
    }

    public var summary: String {
        switch self {
        case .constant(let text): "\"\(text)\""
        case .join(let names, let separator): "join(\(names.joined(separator: ", ")); \"\(separator)\")"
        case .firstOf(let names): "first of (\(names.joined(separator: ", ")))"
        }
    }
}

extension OutboundValue: Codable {
    enum Keys: String, CodingKey { case constant, join, separator, firstOf }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if let text = try c.decodeIfPresent(String.self, forKey: .constant) {
            self = .constant(text)
        } else if let names = try c.decodeIfPresent([String].self, forKey: .join) {
            self = .join(names, separator: try c.decodeIfPresent(String.self, forKey: .separator) ?? " ")
        } else if let names = try c.decodeIfPresent([String].self, forKey: .firstOf) {
            self = .firstOf(names)
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .constant, in: c,
                debugDescription: "an outbound value is {\"constant\": TEXT}, {\"join\": [ATTRIBUTES], "
                    + "\"separator\": S} or {\"firstOf\": [ATTRIBUTES]}")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .constant(let text): try c.encode(text, forKey: .constant)
        case .join(let names, let separator):
            try c.encode(names, forKey: .join)
            try c.encode(separator, forKey: .separator)
        case .firstOf(let names): try c.encode(names, forKey: .firstOf)
        }
    }
}
