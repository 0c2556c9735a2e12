/// An error a SCIM service provider answers (RFC 7644 §3.12): the HTTP status, the `scimType`
/// where the RFC names one, and a sentence saying what is wrong.
public struct SCIMProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidFilter, tooMany, uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue,
            invalidVers, sensitive,
            // RFC 9865 §3
            invalidCursor, expiredCursor
    }

    public let status: Int
    public let scimType: Kind?
    public let detail: String

    public init(_ status: Int, _ scimType: Kind?, _ detail: String) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
    }

    public static func badRequest(_ kind: Kind, _ detail: String) -> Self { .init(400, kind, detail) }
    public static func notFound(_ detail: String) -> Self { .init(404, nil, detail) }

    public var description: String { detail }

    /// The error resource (RFC 7644 §3.12).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.error)]), "status": .string(String(status)),
            "detail": .string(detail),
        ]
        if let scimType { members["scimType"] = .string(scimType.rawValue) }
        return .object(members)
    }
}
