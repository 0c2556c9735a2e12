import Foundation

/// What the SCIM service (Roster as a service provider) reads and writes beyond the directory's
/// own needs. Users deleted through SCIM while kept suspended (`scimDeleted`) are left out of
/// every read here.
public protocol SCIMRepository: Sendable {
    /// Inserts a user made through SCIM; ``RosterError/conflict(_:)`` when its email or username
    /// is taken (compared case-insensitively).
    func createUser(_ user: DirectoryUser) async throws
    /// Visible users in creation order (then email, lower-cased), from `offset`: a page of a SCIM list.
    func scimUsers(offset: Int, limit: Int) async throws -> [DirectoryUser]
    /// Visible users after `after` in the same order, for pages read by cursor: an index walk.
    func scimUsers(after: (created: Date, email: String)?, limit: Int) async throws -> [DirectoryUser]
    func scimUserCount() async throws -> Int
    /// Visible users whose externalId is exactly `externalId`.
    func scimUsers(externalId: String) async throws -> [DirectoryUser]
    /// Removes the user, its memberships (its groups' versions move) and its links to set a password
    /// (its application links stay until deprovisioning ends them).
    func deleteUser(id: UUID) async throws
    /// The group's members SCIM shows (those SCIM has not deleted), in id order.
    func scimMembers(groupId: UUID) async throws -> [UUID]
    func renameGroup(id: UUID, name: String) async throws
    func setGroupExternalId(id: UUID, externalId: String?) async throws
    /// Deletes the group and its memberships (the caller has checked it is bound nowhere).
    func deleteGroup(id: UUID) async throws
}
