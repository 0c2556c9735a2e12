import Foundation

/// Any JSON value, decoded without a fixed schema.
///
/// SCIM service providers differ in what they send (extra attributes, odd casing, numbers
/// as strings), so resources are decoded into this first and read through tolerant accessors.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if abs(value) < 1e15, let whole = Int64(exactly: value) {
                try container.encode(whole)
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// The member named `key`, compared case-insensitively as RFC 7643 §2.1 requires.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if let exact = members[key] { return exact }
        // Compared byte by byte: this runs for every attribute a resource lacks, so it must not allocate.
        return members.first { Self.equalIgnoringCase($0.key, key) }?.value
    }

    static func equalIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in 0..<x.count where x[i] != y[i] {
                    // ASCII letters only; SCIM attribute names are ASCII (RFC 7643 §2.1).
                    guard x[i] | 0x20 == y[i] | 0x20, (0x61...0x7A).contains(x[i] | 0x20) else { return false }
                }
                return true
            }
        }
    }

    /// Text of a string value; numbers and booleans are accepted too, since some servers
    /// send `"employeeNumber": 42`.
    public var text: String? {
        switch self {
        case .string(let value): return value
        // Whole numbers as integers (42, not 42.0), but only where an Int64 holds them: a provider
        // may send 1e308, and converting that would trap.
        case .number(let value):
            if let whole = Int64(exactly: value) { return String(whole) }
            return String(value)
        case .bool(let value): return String(value)
        default: return nil
        }
    }

    /// Booleans, tolerating `"true"`/`"false"` strings.
    public var bool: Bool? {
        switch self {
        case .bool(let value): return value
        case .string(let value): return Bool(value.lowercased())
        default: return nil
        }
    }

    public var int: Int? {
        switch self {
        case .number(let value): return Int(exactly: value.rounded())
        case .string(let value):
            return CheckedNumber.read(value.trimmingCharacters(in: .whitespaces), in: Int.min...Int.max)
        default: return nil
        }
    }

    /// Elements of an array; a lone object where an array was expected counts as one element.
    public var elements: [JSONValue] {
        switch self {
        case .array(let values): return values
        case .object: return [self]
        default: return []
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }
}
