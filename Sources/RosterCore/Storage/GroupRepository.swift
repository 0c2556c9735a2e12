import Foundation

public protocol GroupRepository: Sendable {
    /// Throws ``RosterError/conflict(_:)`` when the name is taken (case-insensitively).
    func createGroup(_ group: UserGroup) async throws
    func group(named name: String) async throws -> UserGroup?
    func group(id: UUID) async throws -> UserGroup?
    /// The group, locked until the transaction it is read in ends (its members are not: they are rows).
    func lockGroup(id: UUID) async throws -> UserGroup?
    func groups() async throws -> [UserGroup]
    /// The groups the user is a member of.
    func groups(memberId: UUID) async throws -> [UserGroup]
    /// The next version of every group the user is a member of: how they render changed (the user
    /// left the SCIM service's view) although their member rows did not.
    func touchGroups(memberId: UUID) async throws
    /// Inserts the membership rows that are not there yet, whatever else changes the group meanwhile;
    /// answers the users added (the group's version moves when there is one).
    @discardableResult
    func addMembers(groupId: UUID, userIds: [UUID]) async throws -> [UUID]
    /// Deletes those membership rows that are there; answers the users removed.
    @discardableResult
    func removeMembers(groupId: UUID, userIds: [UUID]) async throws -> [UUID]
    /// Every member, in id order.
    func members(groupId: UUID) async throws -> [UUID]
    /// Up to `limit` members after `after` in id order: a page of a group of any size.
    func members(groupId: UUID, after: UUID?, limit: Int) async throws -> [UUID]
    func memberCount(groupId: UUID) async throws -> Int
    /// Which of `userIds` are members.
    func members(groupId: UUID, among userIds: [UUID]) async throws -> Set<UUID>
    /// Binds the group; an `authoritative` binding makes the application's group hold exactly the
    /// group's members, removing anyone else (a plain one removes only members Roster put there).
    func bind(groupId: UUID, applicationId: UUID, authoritative: Bool) async throws
    func isAuthoritative(groupId: UUID, applicationId: UUID) async throws -> Bool
    func unbind(groupId: UUID, applicationId: UUID) async throws
    /// Groups bound to the application.
    func boundGroups(applicationId: UUID) async throws -> [UUID]
    /// Applications the group is bound to.
    func bindings(groupId: UUID) async throws -> [UUID]
    /// Whether the user is a member of any group bound to the application.
    func isManaged(userId: UUID, applicationId: UUID) async throws -> Bool
    /// Applications the user is managed in through a bound group.
    func managingApplications(userId: UUID) async throws -> [UUID]
}
