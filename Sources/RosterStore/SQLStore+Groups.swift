import Foundation
import RosterCore
import SQLKit

extension SQLStore: GroupRepository {
    public func createGroup(_ group: UserGroup) async throws {
        try await withDB { db in
            let rows = try await db.raw(
                """
                INSERT INTO user_groups (id, name, name_key, created, external_id) VALUES (\(bind: group.id.text),
                  \(bind: group.name),
                \(bind: group.name.lowercased()), \(bind: group.created.millis), \(bind: group.externalId)) ON CONFLICT
                  DO NOTHING RETURNING id
                """
            ).all()
            if rows.isEmpty { throw RosterError.conflict("a group named \"\(group.name)\" already exists") }
        }
    }

    public func group(named name: String) async throws -> UserGroup? {
        try await withDB { db in
            try await db.raw("SELECT * FROM user_groups WHERE name_key = \(bind: name.lowercased())").first().map(
                Self.group)
        }
    }

    public func group(id: UUID) async throws -> UserGroup? {
        try await withDB { db in
            try await db.raw("SELECT * FROM user_groups WHERE id = \(bind: id.text)").first().map(Self.group)
        }
    }

    public func groups() async throws -> [UserGroup] {
        try await withDB { db in try await db.raw("SELECT * FROM user_groups ORDER BY name_key").all().map(Self.group) }
    }

    public func groups(memberId: UUID) async throws -> [UserGroup] {
        try await withDB { db in
            try await db.raw(
                """
                SELECT g.* FROM user_groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id =
                  \(bind: memberId.text)
                ORDER BY g.name_key
                """
            ).all().map(Self.group)
        }
    }

    public func addMembers(groupId: UUID, userIds: [UUID]) async throws {
        try await transaction { db in
            for id in userIds {
                try await db.raw(
                    """
                    INSERT INTO group_members (group_id, user_id) VALUES (\(bind: groupId.text), \(bind: id.text)) ON
                      CONFLICT DO NOTHING
                    """
                ).run()
            }
        }
    }

    public func removeMembers(groupId: UUID, userIds: [UUID]) async throws {
        guard !userIds.isEmpty else { return }
        try await withDB { db in
            try await db.raw(
                "DELETE FROM group_members WHERE group_id = \(bind: groupId.text) AND user_id IN "
                    + "(\(binds: userIds.map(\.text)))"
            ).run()
        }
    }

    public func members(groupId: UUID) async throws -> [UUID] {
        try await withDB { db in
            try await db.raw(
                "SELECT user_id FROM group_members WHERE group_id = \(bind: groupId.text) ORDER BY user_id"
            ).all().map { try $0.uuid("user_id") }
        }
    }

    public func bind(groupId: UUID, applicationId: UUID, authoritative: Bool) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO group_bindings (group_id, application_id, created, authoritative)
                VALUES (\(bind: groupId.text), \(bind: applicationId.text), \(bind: Date().millis),
                  \(bind: authoritative ? 1 : 0))
                ON CONFLICT (group_id, application_id) DO UPDATE SET authoritative = excluded.authoritative
                """
            ).run()
        }
    }

    public func isAuthoritative(groupId: UUID, applicationId: UUID) async throws -> Bool {
        try await withDB { db in
            try await db.raw(
                """
                SELECT authoritative FROM group_bindings
                WHERE group_id = \(bind: groupId.text) AND application_id = \(bind: applicationId.text)
                """
            ).first()?.int("authoritative") == 1
        }
    }

    public func unbind(groupId: UUID, applicationId: UUID) async throws {
        try await withDB { db in
            try await db.raw(
                "DELETE FROM group_bindings WHERE group_id = \(bind: groupId.text) AND application_id = "
                    + "\(bind: applicationId.text)"
            ).run()
        }
    }

    public func boundGroups(applicationId: UUID) async throws -> [UUID] {
        try await withDB { db in
            try await db.raw("SELECT group_id FROM group_bindings WHERE application_id = \(bind: applicationId.text)")
                .all().map { try $0.uuid("group_id") }
        }
    }

    public func bindings(groupId: UUID) async throws -> [UUID] {
        try await withDB { db in
            try await db.raw("SELECT application_id FROM group_bindings WHERE group_id = \(bind: groupId.text)").all()
                .map { try $0.uuid("application_id") }
        }
    }

    public func isManaged(userId: UUID, applicationId: UUID) async throws -> Bool {
        try await withDB { db in
            try await db.raw(
                """
                SELECT 1 AS x FROM group_members m JOIN group_bindings b ON b.group_id = m.group_id
                WHERE m.user_id = \(bind: userId.text) AND b.application_id = \(bind: applicationId.text) LIMIT 1
                """
            ).first() != nil
        }
    }

    public func managingApplications(userId: UUID) async throws -> [UUID] {
        try await withDB { db in
            try await db.raw(
                """
                SELECT DISTINCT b.application_id FROM group_members m JOIN group_bindings b ON b.group_id = m.group_id
                WHERE m.user_id = \(bind: userId.text)
                """
            ).all().map { try $0.uuid("application_id") }
        }
    }

    static func group(_ row: any SQLRow) throws -> UserGroup {
        UserGroup(
            id: try row.uuid("id"), name: try row.string("name"), created: try row.date("created"),
            externalId: try row.optionalString("external_id"))
    }
}
