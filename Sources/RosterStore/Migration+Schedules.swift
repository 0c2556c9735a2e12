import SQLKit

extension SQLStore {
    /// Migration 9: scheduled imports (one schedule per application, the last slot an instance
    /// claimed), the weekly digests sent, and the slot an import job ran for (`scheduled`, JSON;
    /// NULL for an import started by hand).
    static let schedules = Migration(
        version: 9, name: "import-schedules",
        up: [
            """
            CREATE TABLE import_schedules (application_id TEXT PRIMARY KEY REFERENCES applications(id) ON DELETE
              CASCADE, cadence TEXT NOT NULL, filter TEXT, dry_run BIGINT NOT NULL, owner_id TEXT NOT NULL,
              owner_email TEXT NOT NULL, created BIGINT NOT NULL, last_slot BIGINT)
            """,
            """
            CREATE TABLE schedule_digests (owner_id TEXT NOT NULL, week BIGINT NOT NULL,
              PRIMARY KEY (owner_id, week))
            """,
            "ALTER TABLE import_jobs ADD COLUMN scheduled TEXT",
            """
            CREATE INDEX import_jobs_scheduled ON import_jobs (application_id, created_at)
              WHERE scheduled IS NOT NULL
            """,
        ],
        down: [
            "DROP INDEX import_jobs_scheduled",
            "ALTER TABLE import_jobs DROP COLUMN scheduled",
            "DROP TABLE schedule_digests",
            "DROP TABLE import_schedules",
        ])
}
