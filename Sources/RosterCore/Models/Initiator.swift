import Foundation

/// Who did something, for permissions and for the audit trail, and the request it came in.
public struct Initiator: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case administrator, apikey, system }
    public var type: Kind
    public var id: UUID?
    public var email: String?
    public var role: Role
    public var clientIp: String?
    /// The HTTP request that carried the change, also sent back as `X-Request-Id`, so an
    /// Insights event leads to the log lines of its request.
    public var requestId: String?
    /// The API key a request came with, when it acts for an administrator (then `id` is theirs).
    public var apiKeyId: UUID?
    /// The name of the API key a request came with, for the audit trail (`apikey: NAME`).
    public var apiKeyName: String?
    /// The door a change came through when it is not the portal, the API or the command line
    /// (`scim`: a SCIM client writing to Roster's SCIM service), for the audit trail.
    public var channel: String?

    public init(
        type: Kind, id: UUID?, email: String?, role: Role, clientIp: String? = nil, requestId: String? = nil,
        channel: String? = nil
    ) {
        self.channel = channel
        self.type = type
        self.id = id
        self.email = email
        self.role = role
        self.clientIp = clientIp
        self.requestId = requestId
    }

    /// Who, in a few words: the administrator's email or the kind, and the API key it used.
    public var label: String {
        let key = apiKeyName.map { "apikey: \($0)" }
        if type == .apikey, let key { return key }
        return [email ?? type.rawValue, key.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
    }

    public static let system = Initiator(type: .system, id: nil, email: nil, role: .admin)

    public static func administrator(_ admin: Administrator, clientIp: String? = nil) -> Initiator {
        Initiator(type: .administrator, id: admin.id, email: admin.email, role: admin.role, clientIp: clientIp)
    }

    /// Throws ``RosterError/forbidden`` unless the role allows `permission`.
    public func require(_ permission: Permission) throws {
        guard role.allows(permission) else {
            throw RosterError.forbidden("the \(role.rawValue) role cannot do this")
        }
    }
}

/// Stored with import jobs; ids are written in lower case like every id Roster writes.
extension Initiator: Codable {
    enum CodingKeys: String, CodingKey { case type, id, email, role, clientIp, requestId, channel }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(Kind.self, forKey: .type)
        id = try c.decodeIfPresent(String.self, forKey: .id).flatMap(UUID.init(uuidString:))
        email = try c.decodeIfPresent(String.self, forKey: .email)
        role = try c.decode(Role.self, forKey: .role)
        clientIp = try c.decodeIfPresent(String.self, forKey: .clientIp)
        requestId = try c.decodeIfPresent(String.self, forKey: .requestId)
        channel = try c.decodeIfPresent(String.self, forKey: .channel)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encodeIfPresent(id?.text, forKey: .id)
        try c.encodeIfPresent(email, forKey: .email)
        try c.encode(role, forKey: .role)
        try c.encodeIfPresent(clientIp, forKey: .clientIp)
        try c.encodeIfPresent(requestId, forKey: .requestId)
        try c.encodeIfPresent(channel, forKey: .channel)
    }
}
