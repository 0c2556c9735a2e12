import Foundation

@testable import RosterCore

/// Times as the database keeps them, in whole milliseconds (a cursor carries no more).
private func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

extension InMemoryStorage: SCIMRepository {
    func createUser(_ user: DirectoryUser) async throws {
        try check()
        if conflicting(user) != nil {
            throw RosterError.conflict("a user with the email \(user.email) or the username \(user.username) exists")
        }
        users[user.id] = user
    }

    private var visibleInOrder: [DirectoryUser] {
        users.values.filter { $0.scimDeleted == nil }.sorted {
            (millis($0.created), $0.email.lowercased()) < (millis($1.created), $1.email.lowercased())
        }
    }

    func scimUsers(offset: Int, limit: Int) async throws -> [DirectoryUser] {
        try check()
        return Array(visibleInOrder.dropFirst(offset).prefix(limit))
    }

    func scimUsers(after: (created: Date, email: String)?, limit: Int) async throws -> [DirectoryUser] {
        try check()
        guard let after else { return Array(visibleInOrder.prefix(limit)) }
        return Array(
            visibleInOrder.filter { (millis($0.created), $0.email.lowercased()) > (millis(after.created), after.email) }
                .prefix(
                    limit))
    }

    func scimUserCount() async throws -> Int {
        try check()
        return visibleInOrder.count
    }

    func scimUsers(externalId: String) async throws -> [DirectoryUser] {
        try check()
        return visibleInOrder.filter { $0.externalId == externalId }
    }

    func deleteUser(id: UUID) async throws {
        try check()
        users[id] = nil
        for group in members.keys { members[group]?.remove(id) }
    }

    func renameGroup(id: UUID, name: String) async throws {
        try check()
        if groups.values.contains(where: { $0.id != id && $0.name.lowercased() == name.lowercased() }) {
            throw RosterError.conflict("a group named \"\(name)\" already exists")
        }
        groups[id]?.name = name
    }

    func setGroupExternalId(id: UUID, externalId: String?) async throws {
        try check()
        groups[id]?.externalId = externalId
    }

    func deleteGroup(id: UUID) async throws {
        try check()
        groups[id] = nil
        members[id] = nil
    }
}
