import Foundation

/// An attribute an organisation adds to every directory user (a badge number, a start date),
/// declared once with its type; mappings fill it, administrators set it, the users list shows
/// and filters by it.
public struct CustomAttribute: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case string, number, boolean, date

        /// The type `text` names, or an error that lists the types.
        public static func parse(_ text: String) throws -> Kind {
            guard let kind = Kind(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                let types = allCases.map(\.rawValue).joined(separator: ", ")
                throw RosterError.invalid("a custom attribute's type is one of \(types), not \"\(text.prefix(40))\"")
            }
            return kind
        }
    }

    public var name: String
    public var type: Kind
    public var description: String?
    public var declaredBy: String?
    public var declaredAt: Date

    public init(name: String, type: Kind, description: String? = nil, declaredBy: String? = nil, declaredAt: Date) {
        self.name = name
        self.type = type
        self.description = description
        self.declaredBy = declaredBy
        self.declaredAt = declaredAt
    }

    /// `value` as this attribute keeps it, or an error that says what is wrong with it.
    public func parse(_ value: String) throws -> CustomValue {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch type {
        case .string:
            return .text(value)
        case .number:
            guard let number = Double(trimmed), number.isFinite else {
                throw RosterError.invalid("\"\(value)\" is not a number (\(name) holds numbers, e.g. 42 or 3.5)")
            }
            return .number(number)
        case .boolean:
            switch trimmed.lowercased() {
            case "true", "yes", "1", "on": return .boolean(true)
            case "false", "no", "0", "off": return .boolean(false)
            default:
                throw RosterError.invalid("\"\(value)\" is not a boolean (\(name) holds true or false)")
            }
        case .date:
            guard let date = Self.calendarDate(trimmed) else {
                throw RosterError.invalid(
                    "\"\(value)\" is not a date (\(name) holds dates: 2026-05-01, or a time such as "
                        + "2026-05-01T09:00:00Z, kept as its day in UTC)")
            }
            return .text(date)
        }
    }

    /// `YYYY-MM-DD` of a calendar date, or of an ISO 8601 time's day in UTC.
    static func calendarDate(_ text: String) -> String? {
        let day = text.count == 10 ? text : nil
        if let day, let date = try? Date(day + "T00:00:00Z", strategy: .iso8601),
            date.iso8601Text.hasPrefix(day)  // 2026-02-30 rolls over into March: not a date
        {
            return day
        }
        guard text.count > 10, let date = try? Date(text, strategy: .iso8601) else { return nil }
        return String(date.iso8601Text.prefix(10))
    }
}

/// A custom attribute's value as kept: text (a string, or a date as `YYYY-MM-DD`), a number or a boolean.
public enum CustomValue: Sendable, Hashable, Codable {
    case text(String)
    case number(Double)
    case boolean(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .boolean(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        }
    }

    /// How lists, exports and text fields show it: `12` for a whole number, `true`, `2026-05-01`.
    public var text: String {
        switch self {
        case .text(let text): text
        case .boolean(let flag): flag ? "true" : "false"
        case .number(let number):
            // As the SCIM client reads numbers: 42, not 42.0 (where an Int64 holds it).
            Int64(exactly: number).map { String($0) } ?? String(number)
        }
    }
}

/// The declared custom attributes, found by name whatever its case.
public struct CustomAttributes: Sendable, Hashable {
    public let all: [CustomAttribute]
    private let byKey: [String: CustomAttribute]

    public init(_ attributes: [CustomAttribute]) {
        all = attributes.sorted { $0.name.lowercased() < $1.name.lowercased() }
        byKey = Dictionary(attributes.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
    }

    public static let none = CustomAttributes([])

    public subscript(name: String) -> CustomAttribute? { byKey[name.lowercased()] }
}
