import Foundation
import RosterCore
import SQLKit

extension SQLStore: SCIMRepository {
    public func createUser(_ user: DirectoryUser) async throws {
        let inserted = try await sqlTransaction { db in try await Self.insertNew([user], in: db) }
        if inserted.isEmpty {
            throw RosterError.conflict("a user with the email \(user.email) or the username \(user.username) exists")
        }
    }

    public func scimUsers(offset: Int, limit: Int) async throws -> [DirectoryUser] {
        try await rows(
            """
            SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE scim_deleted IS NULL ORDER BY created, email_key
              LIMIT \(bind: limit) OFFSET \(bind: offset)
            """
        ).map(Self.user)
    }

    public func scimUsers(after: (created: Date, email: String)?, limit: Int) async throws -> [DirectoryUser] {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE scim_deleted IS NULL")
        if let after {
            // A row comparison: the index on (created, email_key) finds the boundary directly.
            query.appendInterpolation(unsafeRaw: " AND (created, email_key) > (\(after.created.millis), ")
            query.appendInterpolation(bind: after.email)
            query.appendInterpolation(unsafeRaw: ")")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY created, email_key LIMIT \(limit)")
        return try await rows(query).map(Self.user)
    }

    public func scimUserCount() async throws -> Int {
        try await read { db in
            // Every user (counted on the smallest index, not the table) less the hidden ones (a partial index).
            let all = try await db.raw("SELECT count(*) AS n FROM users").first()?.int("n") ?? 0
            let hidden =
                try await db.raw("SELECT count(*) AS n FROM users WHERE scim_deleted IS NOT NULL").first()?.int("n")
                ?? 0
            return all - hidden
        }
    }

    public func scimUsers(externalId: String) async throws -> [DirectoryUser] {
        try await rows(
            """
            SELECT \(unsafeRaw: Self.userColumns) FROM users WHERE external_id = \(bind: externalId) AND
              scim_deleted IS NULL
            """
        ).map(Self.user)
    }

    public func scimMembers(groupId: UUID) async throws -> [UUID] {
        try await read { db in
            try await db.raw(
                """
                SELECT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id
                WHERE m.group_id = \(bind: groupId.text) AND u.scim_deleted IS NULL ORDER BY m.user_id
                """
            ).all().map { try $0.uuid("user_id") }
        }
    }

    public func deleteUser(id: UUID) async throws {
        try await sqlTransaction { db in
            try await Self.touchGroups(memberId: id, in: db)
            try await db.raw("DELETE FROM group_members WHERE user_id = \(bind: id.text)").run()
            try await db.raw("DELETE FROM user_tokens WHERE user_id = \(bind: id.text)").run()
            try await db.raw("DELETE FROM users WHERE id = \(bind: id.text)").run()
        }
    }

    public func renameGroup(id: UUID, name: String) async throws {
        do {
            try await sqlTransaction { db in
                try await db.raw(
                    """
                    UPDATE user_groups SET name = \(bind: name), name_key = \(bind: name.lowercased()),
                      version = version + 1, updated = \(bind: Date().millis) WHERE id = \(bind: id.text)
                    """
                ).run()
            }
        } catch  where isUniqueViolation(error) {
            throw RosterError.conflict("a group named \"\(name)\" already exists")
        }
    }

    public func setGroupExternalId(id: UUID, externalId: String?) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE user_groups SET external_id = \(bind: externalId), version = version + 1,
                  updated = \(bind: Date().millis) WHERE id = \(bind: id.text)
                """
            ).run()
        }
    }

    public func deleteGroup(id: UUID) async throws {
        try await sqlTransaction { db in
            try await db.raw("DELETE FROM group_members WHERE group_id = \(bind: id.text)").run()
            try await db.raw("DELETE FROM user_groups WHERE id = \(bind: id.text)").run()
        }
    }
}
