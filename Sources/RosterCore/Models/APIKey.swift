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
    /// The key that made this one through the API, if a key did: revoking a key revokes every key
    /// made with it, so a leaked key cannot leave working copies behind.
    public var parentId: UUID?

    public init(
        id: UUID = UUID.random(), name: String, role: Role, hash: String, administratorId: UUID?,
        created: Date = Date(),
        expires: Date? = nil, lastUsed: Date? = nil, revoked: Date? = nil, parentId: UUID? = nil
    ) {
        self.parentId = parentId
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

    public enum Status: String, Sendable { case active, expired, revoked }

    public func status(now: Date) -> Status {
        if revoked != nil { return .revoked }
        if let expires, expires <= now { return .expired }
        return .active
    }

    /// Why the key cannot be used now, if it cannot.
    public func refusal(now: Date) -> String? {
        switch status(now: now) {
        case .active: nil
        case .revoked: "the API key was revoked"
        case .expired: "the API key expired"
        }
    }
}

/// A key as the lists show it: its state now and the administrator it acts for.
public struct APIKeyListing: Sendable {
    public let key: APIKey
    public let status: APIKey.Status
    /// The email of the administrator the key acts for; nil for a key that acts for nobody.
    public let administrator: String?
}
