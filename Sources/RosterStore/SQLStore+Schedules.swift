import Foundation
import RosterCore
import SQLKit

extension SQLStore: ScheduleRepository {
    public func saveSchedule(_ schedule: ImportSchedule) async throws {
        let s = schedule
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO import_schedules (application_id, cadence, filter, dry_run, owner_id, owner_email, created,
                  last_slot)
                VALUES (\(bind: s.applicationId.text), \(bind: s.cadence.text), \(bind: s.filter),
                  \(bind: s.dryRun ? 1 : 0), \(bind: s.ownerId.text), \(bind: s.ownerEmail), \(bind: s.created.millis),
                  \(bind: s.lastSlot?.millis))
                ON CONFLICT (application_id) DO UPDATE SET cadence = excluded.cadence, filter = excluded.filter,
                  dry_run = excluded.dry_run, owner_id = excluded.owner_id, owner_email = excluded.owner_email,
                  created = excluded.created,
                  last_slot = CASE WHEN import_schedules.last_slot > excluded.last_slot
                    THEN import_schedules.last_slot ELSE excluded.last_slot END
                """
            ).run()
        }
    }

    public func deleteSchedule(applicationId: UUID) async throws {
        try await withDB { db in
            try await db.raw("DELETE FROM import_schedules WHERE application_id = \(bind: applicationId.text)").run()
        }
    }

    public func schedule(applicationId: UUID) async throws -> ImportSchedule? {
        try await read { db in
            try await db.raw("SELECT * FROM import_schedules WHERE application_id = \(bind: applicationId.text)")
                .first().map(Self.schedule)
        }
    }

    public func schedules() async throws -> [ImportSchedule] {
        try await read { db in
            try await db.raw("SELECT * FROM import_schedules ORDER BY application_id").all().map(Self.schedule)
        }
    }

    public func claimSlot(applicationId: UUID, slot: Date) async throws -> Bool {
        try await withDB { db in
            // One statement: of instances asking at once, the database lets one move the slot on.
            try await !db.raw(
                """
                UPDATE import_schedules SET last_slot = \(bind: slot.millis)
                WHERE application_id = \(bind: applicationId.text)
                  AND (last_slot IS NULL OR last_slot < \(bind: slot.millis))
                RETURNING application_id
                """
            ).all().isEmpty
        }
    }

    public func claimDigest(ownerId: UUID, week: Date) async throws -> Bool {
        try await withDB { db in
            try await !db.raw(
                """
                INSERT INTO schedule_digests (owner_id, week) VALUES (\(bind: ownerId.text), \(bind: week.millis))
                ON CONFLICT DO NOTHING RETURNING owner_id
                """
            ).all().isEmpty
        }
    }

    public func scheduledJobs(applicationIds: [UUID], since: Date, until: Date) async throws -> [ImportJob] {
        guard !applicationIds.isEmpty else { return [] }
        return try await read { db in
            try await db.raw(
                """
                SELECT * FROM import_jobs WHERE scheduled IS NOT NULL
                  AND application_id IN (\(binds: applicationIds.map(\.text)))
                  AND created_at >= \(bind: since.millis) AND created_at < \(bind: until.millis)
                ORDER BY created_at
                """
            ).all().map(Self.job)
        }
    }

    static func schedule(_ row: any SQLRow) throws -> ImportSchedule {
        ImportSchedule(
            applicationId: try row.uuid("application_id"), cadence: try Cadence(text: try row.string("cadence")),
            filter: try row.optionalString("filter"), dryRun: try row.int("dry_run") != 0,
            ownerId: try row.uuid("owner_id"), ownerEmail: try row.string("owner_email"),
            created: try row.date("created"), lastSlot: try row.optionalDate("last_slot"))
    }
}
