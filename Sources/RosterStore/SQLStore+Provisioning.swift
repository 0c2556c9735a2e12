import Foundation
import RosterCore
import SQLKit

extension SQLStore: ProvisioningRepository {
    public func provisionedUser(applicationId: UUID, userId: UUID) async throws -> ProvisionedUser? {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM provisioned_users WHERE application_id = \(bind: applicationId.text) AND user_id =
                  \(bind: userId.text)
                """
            ).first().map { row in
                ProvisionedUser(
                    applicationId: try row.uuid("application_id"), userId: try row.uuid("user_id"),
                    remoteId: try row.string("remote_id"), active: try row.int("active") != 0)
            }
        }
    }

    public func saveProvisionedUser(_ link: ProvisionedUser) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO provisioned_users (application_id, user_id, remote_id, active, updated) VALUES
                (\(bind: link.applicationId.text), \(bind: link.userId.text), \(bind: link.remoteId),
                  \(bind: link.active ? 1 : 0), \(bind: Date().millis))
                ON CONFLICT (application_id, user_id) DO UPDATE SET remote_id = excluded.remote_id, active =
                  excluded.active, updated = excluded.updated
                """
            ).run()
        }
    }

    public func deleteProvisionedUser(applicationId: UUID, userId: UUID) async throws {
        try await withDB { db in
            try await db.raw(
                "DELETE FROM provisioned_users WHERE application_id = \(bind: applicationId.text) AND user_id = "
                    + "\(bind: userId.text)"
            ).run()
        }
    }

    public func provisionedRemoteIds(applicationId: UUID, userIds: [UUID]) async throws -> [UUID: String] {
        guard !userIds.isEmpty else { return [:] }
        return try await read { db in
            let rows = try await db.raw(
                """
                SELECT user_id, remote_id FROM provisioned_users WHERE application_id = \(bind: applicationId.text) AND
                  active = 1
                AND user_id IN (\(binds: userIds.map(\.text)))
                """
            ).all()
            return Dictionary(
                uniqueKeysWithValues: try rows.map { (try $0.uuid("user_id"), try $0.string("remote_id")) })
        }
    }

    public func provisionedGroup(applicationId: UUID, groupId: UUID) async throws -> ProvisionedGroup? {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM provisioned_groups WHERE application_id = \(bind: applicationId.text)
                  AND group_id = \(bind: groupId.text)
                """
            ).first().map { row in
                ProvisionedGroup(
                    applicationId: try row.uuid("application_id"), groupId: try row.uuid("group_id"),
                    remoteId: try row.string("remote_id"), members: Set(try row.json("members", as: [String].self)),
                    unconfirmed: Set(try row.json("unconfirmed", as: [String].self)))
            }
        }
    }

    public func saveProvisionedGroup(_ group: ProvisionedGroup) async throws {
        let members = try jsonText(group.members.sorted())
        let unconfirmed = try jsonText(group.unconfirmed.sorted())
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO provisioned_groups (application_id, group_id, remote_id, members, unconfirmed, updated)
                  VALUES
                  (\(bind: group.applicationId.text), \(bind: group.groupId.text), \(bind: group.remoteId),
                    \(bind: members),
                  \(bind: unconfirmed), \(bind: Date().millis))
                ON CONFLICT (application_id, group_id) DO UPDATE SET remote_id = excluded.remote_id,
                  members = excluded.members, unconfirmed = excluded.unconfirmed, updated = excluded.updated
                """
            ).run()
        }
    }

    public func confirmUnconfirmedMembers(applicationId: UUID) async throws -> [UUID] {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE provisioned_groups SET unconfirmed = '[]'
                WHERE application_id = \(bind: applicationId.text) AND unconfirmed <> '[]' RETURNING group_id
                """
            ).all().map { try $0.uuid("group_id") }
        }
    }

    public func log(_ e: ProvisioningLogEntry, event: InsightsEvent) async throws {
        try await sqlTransaction { db in
            try await db.raw(
                """
                INSERT INTO provisioning_log (id, time, application_id, application_name, target_type, target_id,
                  target_name,
                  operation, outcome, remote_id, detail)
                VALUES (\(bind: e.id.text), \(bind: e.time.millis), \(bind: e.application.id.text),
                  \(bind: e.application.name),
                  \(bind: e.targetType.rawValue), \(bind: e.targetId.text), \(bind: e.targetName),
                    \(bind: e.operation.rawValue),
                  \(bind: e.outcome.rawValue), \(bind: e.remoteId), \(bind: e.detail))
                """
            ).run()
            try await Self.insert(event, in: db)
        }
    }

    public func provisioningLog(_ query: ProvisioningLogQuery) async throws -> [ProvisioningLogEntry] {
        try await read { db in
            var sql = SQLQueryString(
                "SELECT * FROM provisioning_log WHERE application_id = \(bind: query.applicationId.text)")
            if let target = query.targetId {
                sql.appendInterpolation(unsafeRaw: " AND target_id = ")
                sql.appendInterpolation(bind: target.text)
            }
            sql.appendInterpolation(
                unsafeRaw: query.newestFirst ? " ORDER BY time DESC, id DESC" : " ORDER BY time, id")
            sql.appendInterpolation(unsafeRaw: " LIMIT ")
            sql.appendInterpolation(bind: query.limit)
            sql.appendInterpolation(unsafeRaw: " OFFSET ")
            sql.appendInterpolation(bind: query.offset)
            return try await db.raw(sql).all().map(Self.logEntry)
        }
    }

    static func logEntry(_ row: any SQLRow) throws -> ProvisioningLogEntry {
        ProvisioningLogEntry(
            id: try row.uuid("id"), time: try row.date("time"),
            application: .init(id: try row.uuid("application_id"), name: try row.string("application_name")),
            targetType: .init(rawValue: try row.string("target_type")) ?? .user, targetId: try row.uuid("target_id"),
            targetName: try row.optionalString("target_name"),
            operation: .init(rawValue: try row.string("operation")) ?? .update,
            outcome: .init(rawValue: try row.string("outcome")) ?? .failed,
            remoteId: try row.optionalString("remote_id"),
            detail: try row.optionalString("detail"))
    }

    public func provisionedApplications(userId: UUID) async throws -> [UUID] {
        try await read { db in
            try await db.raw(
                "SELECT application_id FROM provisioned_users WHERE user_id = \(bind: userId.text) AND active = 1"
            ).all()
                .map { try $0.uuid("application_id") }
        }
    }

    public func provisionedUserIds(applicationId: UUID) async throws -> [UUID] {
        try await read { db in
            try await db.raw(
                "SELECT user_id FROM provisioned_users WHERE application_id = \(bind: applicationId.text) AND active = "
                    + "1"
            ).all()
                .map { try $0.uuid("user_id") }
        }
    }

    public func provisionedUserCount(applicationId: UUID) async throws -> Int {
        try await read { db in
            try await db.raw(
                "SELECT count(*) AS n FROM provisioned_users WHERE application_id = \(bind: applicationId.text) AND "
                    + "active = 1"
            )
            .first()?.int("n") ?? 0
        }
    }

    public func recordPush(applicationId: UUID, succeeded: Bool) async throws -> Int {
        try await withDB { db in
            let update: SQLQueryString =
                succeeded
                ? "UPDATE integrations SET push_failures = 0 WHERE application_id = \(bind: applicationId.text) "
                    + "RETURNING push_failures"
                : "UPDATE integrations SET push_failures = push_failures + 1 WHERE application_id = "
                    + "\(bind: applicationId.text) RETURNING push_failures"
            return try await db.raw(update).first()?.int("push_failures") ?? 0
        }
    }

    public func deprovisionAction(applicationId: UUID) async throws -> DeprovisionAction {
        try await read { db in
            let row = try await db.raw(
                "SELECT deprovision_action FROM integrations WHERE application_id = \(bind: applicationId.text)"
            ).first()
            return DeprovisionAction(rawValue: try row?.string("deprovision_action") ?? "deactivate") ?? .deactivate
        }
    }

    public func setDeprovisionAction(applicationId: UUID, _ action: DeprovisionAction) async throws {
        try await withDB { db in
            try await db.raw(
                "UPDATE integrations SET deprovision_action = \(bind: action.rawValue) WHERE application_id = "
                    + "\(bind: applicationId.text)"
            ).run()
        }
    }
}
