import Foundation
import RosterCore
import SQLKit

extension SQLStore: GroupRepository {
    public func createGroup(_ group: UserGroup) async throws {
        try await withDB { db in
            let rows = try await db.raw(
                """
                INSERT INTO user_groups (id, name, name_key, created, updated, external_id, version)
                VALUES (\(bind: group.id.text), \(bind: group.name), \(bind: group.name.lowercased()),
                  \(bind: group.created.millis), \(bind: group.updated.millis), \(bind: group.externalId),
                  \(bind: group.version))
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).all()
            if rows.isEmpty { throw RosterError.conflict("a group named \"\(group.name)\" already exists") }
        }
    }

    public func group(named name: String) async throws -> UserGroup? {
        try await read { db in
            try await db.raw("SELECT * FROM user_groups WHERE name_key = \(bind: name.lowercased())").first().map(
                Self.group)
        }
    }

    public func group(id: UUID) async throws -> UserGroup? {
        try await read { db in
            try await db.raw("SELECT * FROM user_groups WHERE id = \(bind: id.text)").first().map(Self.group)
        }
    }

    public func lockGroup(id: UUID) async throws -> UserGroup? {
        try await withDB { [dialect] db in
            try await db.raw("SELECT * FROM user_groups WHERE id = \(bind: id.text)\(unsafeRaw: dialect.forUpdate)")
                .first().map(Self.group)
        }
    }

    public func groups() async throws -> [UserGroup] {
        try await read { db in try await db.raw("SELECT * FROM user_groups ORDER BY name_key").all().map(Self.group) }
    }

    public func groups(memberId: UUID) async throws -> [UserGroup] {
        try await read { db in
            try await db.raw(
                """
                SELECT g.* FROM user_groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id =
                  \(bind: memberId.text)
                ORDER BY g.name_key
                """
            ).all().map(Self.group)
        }
    }

    public func touchGroups(memberId: UUID) async throws {
        try await withDB { db in try await Self.touchGroups(memberId: memberId, in: db) }
    }

    static func touchGroups(memberId: UUID, in db: any SQLDatabase) async throws {
        try await db.raw(
            """
            UPDATE user_groups SET version = version + 1, updated = \(bind: Date().millis)
            WHERE id IN (SELECT group_id FROM group_members WHERE user_id = \(bind: memberId.text))
            """
        ).run()
    }

    public func addMembers(groupId: UUID, userIds: [UUID]) async throws -> [UUID] {
        guard !userIds.isEmpty else { return [] }
        do {
            return try await sqlTransaction { db in
                var added: [UUID] = []
                for chunk in userIds.chunks(of: 500) {
                    var query = SQLQueryString("INSERT INTO group_members (group_id, user_id) VALUES ")
                    for (index, id) in chunk.enumerated() {
                        query.appendInterpolation(unsafeRaw: index == 0 ? "(" : ", (")
                        query.appendInterpolation(bind: groupId.text)
                        query.appendInterpolation(unsafeRaw: ", ")
                        query.appendInterpolation(bind: id.text)
                        query.appendInterpolation(unsafeRaw: ")")
                    }
                    query.appendInterpolation(unsafeRaw: " ON CONFLICT DO NOTHING RETURNING user_id")
                    added += try await db.raw(query).all().map { try $0.uuid("user_id") }
                }
                if !added.isEmpty { try await Self.touchGroup(groupId, in: db) }
                return added
            }
        } catch  where isForeignKeyViolation(error) {
            throw RosterError.invalid("a member is not a user of this directory (it was deleted meanwhile)")
        }
    }

    public func removeMembers(groupId: UUID, userIds: [UUID]) async throws -> [UUID] {
        guard !userIds.isEmpty else { return [] }
        return try await sqlTransaction { db in
            var removed: [UUID] = []
            for chunk in userIds.chunks(of: 500) {
                removed += try await db.raw(
                    "DELETE FROM group_members WHERE group_id = \(bind: groupId.text) AND user_id IN "
                        + "(\(binds: chunk.map(\.text))) RETURNING user_id"
                ).all().map { try $0.uuid("user_id") }
            }
            if !removed.isEmpty { try await Self.touchGroup(groupId, in: db) }
            return removed
        }
    }

    /// The group's name, externalId or members changed: its next version.
    static func touchGroup(_ id: UUID, in db: any SQLDatabase) async throws {
        try await db.raw(
            "UPDATE user_groups SET version = version + 1, updated = \(bind: Date().millis) WHERE id = \(bind: id.text)"
        ).run()
    }

    public func members(groupId: UUID) async throws -> [UUID] {
        try await read { db in
            try await db.raw(
                "SELECT user_id FROM group_members WHERE group_id = \(bind: groupId.text) ORDER BY user_id"
            ).all().map { try $0.uuid("user_id") }
        }
    }

    public func members(groupId: UUID, after: UUID?, limit: Int) async throws -> [UUID] {
        try await read { db in
            var query = SQLQueryString("SELECT user_id FROM group_members WHERE group_id = \(bind: groupId.text)")
            if let after {
                query.appendInterpolation(unsafeRaw: " AND user_id > ")
                query.appendInterpolation(bind: after.text)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY user_id LIMIT \(max(0, limit))")
            return try await db.raw(query).all().map { try $0.uuid("user_id") }
        }
    }

    public func memberCount(groupId: UUID) async throws -> Int {
        try await read { db in
            try await db.raw("SELECT count(*) AS n FROM group_members WHERE group_id = \(bind: groupId.text)").first()?
                .int("n") ?? 0
        }
    }

    public func members(groupId: UUID, among userIds: [UUID]) async throws -> Set<UUID> {
        guard !userIds.isEmpty else { return [] }
        return try await read { db in
            var found = Set<UUID>()
            for chunk in userIds.chunks(of: 500) {
                found.formUnion(
                    try await db.raw(
                        "SELECT user_id FROM group_members WHERE group_id = \(bind: groupId.text) AND user_id IN "
                            + "(\(binds: chunk.map(\.text)))"
                    ).all().map { try $0.uuid("user_id") })
            }
            return found
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
        try await read { db in
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
        try await read { db in
            try await db.raw("SELECT group_id FROM group_bindings WHERE application_id = \(bind: applicationId.text)")
                .all().map { try $0.uuid("group_id") }
        }
    }

    public func bindings(groupId: UUID) async throws -> [UUID] {
        try await read { db in
            try await db.raw("SELECT application_id FROM group_bindings WHERE group_id = \(bind: groupId.text)").all()
                .map { try $0.uuid("application_id") }
        }
    }

    public func isManaged(userId: UUID, applicationId: UUID) async throws -> Bool {
        try await read { db in
            try await db.raw(
                """
                SELECT 1 AS x FROM group_members m JOIN group_bindings b ON b.group_id = m.group_id
                WHERE m.user_id = \(bind: userId.text) AND b.application_id = \(bind: applicationId.text) LIMIT 1
                """
            ).first() != nil
        }
    }

    public func managingApplications(userId: UUID) async throws -> [UUID] {
        try await read { db in
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
            updated: try row.optionalDate("updated"), externalId: try row.optionalString("external_id"),
            version: try row.int("version"))
    }
}
