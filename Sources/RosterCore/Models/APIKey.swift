import Foundation

public struct APIKey: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var role: Role
    /// SHA-256 of the key: the key itself is shown once and never stored.
    public var hash: String
    /// The administrator the key acts for (imports it starts email that person). A key whose
    /// administrator is disabled or gone no longer works.
    public var administratorId: UUID?
    public var created: Date
    /// After this the key no longer works.
    public var expires: Date?
    /// When the key was last accepted (to the minute: it is not written on every request).
    public var lastUsed: Date?
    /// When it was revoked; a revoked key never works again.
    public var revoked: Date?

    public init(
        id: UUID = UUID(), name: String, role: Role, hash: String, administratorId: UUID?, created: Date = Date(),
        expires: Date? = nil, lastUsed: Date? = nil, revoked: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.hash = hash
        self.administratorId = administratorId
        self.created = created
        self.expires = expires
        self.lastUsed = lastUsed
        self.revoked = revoked
    }

    /// Why the key cannot be used now, if it cannot.
    public func refusal(now: Date) -> String? {
        if revoked != nil { return "the API key was revoked" }
        if let expires, expires <= now { return "the API key expired" }
        return nil
    }
}
