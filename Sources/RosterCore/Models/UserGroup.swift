import Foundation

/// A user group: its members are the users Roster manages in every application it is bound to.
public struct UserGroup: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var created: Date
    /// The id a SCIM client gave the group (RFC 7643 §3.1).
    public var externalId: String?
    public init(id: UUID = UUID.random(), name: String, created: Date = Date(), externalId: String? = nil) {
        self.externalId = externalId
        self.id = id
        self.name = name
        self.created = created
    }
}
