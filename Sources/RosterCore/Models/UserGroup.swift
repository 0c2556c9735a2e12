import Foundation

/// A user group: its members are the users Roster manages in every application it is bound to.
/// The members are rows of their own (``GroupRepository/addMembers(groupId:userIds:)``), never a
/// set read and written back, so concurrent changes of one group's members all take effect.
public struct UserGroup: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var created: Date
    /// When its name, externalId or members last changed.
    public var updated: Date
    /// The id a SCIM client gave the group (RFC 7643 §3.1).
    public var externalId: String?
    /// Incremented by every change of its name, externalId or members (SCIM's `meta.version`).
    public var version: Int

    public init(
        id: UUID = UUID.random(), name: String, created: Date = Date(), updated: Date? = nil,
        externalId: String? = nil, version: Int = 1
    ) {
        self.externalId = externalId
        self.id = id
        self.name = name
        self.created = created
        self.updated = updated ?? created
        self.version = version
    }
}
