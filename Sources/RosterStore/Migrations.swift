import Foundation
import Logging
import SQLKit

/// A numbered, append-only schema change with a real revert.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// `{pattern_ops}` becomes the dialect's operator class for prefix searches.
    let up: [String]
    let down: [String]
    /// PostgreSQL only: what SQLite gets from indexes it already has.
    var postgresUp: [String] = []
    var postgresDown: [String] = []
    /// SQLite only: what it cannot do with `ALTER TABLE` (a table rebuilt instead).
    var sqliteUp: [String] = []
    var sqliteDown: [String] = []
    /// A step SQL alone cannot take (rewriting JSON), run after `up` in the same transaction.
    var code: (@Sendable (any SQLDatabase) async throws -> Void)?

    func statements(up: Bool, _ dialect: Dialect) -> [String] {
        let extra = dialect == .postgres ? (up ? postgresUp : postgresDown) : (up ? sqliteUp : sqliteDown)
        let list = up ? self.up + extra : extra + down
        return list.map { $0.replacingOccurrences(of: "{pattern_ops}", with: dialect.patternOps) }
    }
}

extension SQLStore {
    /// Every schema change, in order. Never edit a shipped one: add the next.
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "directory",
            up: [
                """
                CREATE TABLE administrators (id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE,
                  role TEXT NOT NULL, password_hash TEXT NOT NULL, created BIGINT NOT NULL)
                """,
                """
                CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL
                  UNIQUE,
                  administrator_id TEXT REFERENCES administrators(id), created BIGINT NOT NULL)
                """,
                """
                CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE,
                  username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE, firstname TEXT, lastname TEXT, middlename
                    TEXT,
                  displayname TEXT, addresses TEXT NOT NULL, job_title TEXT, department TEXT, phone_numbers TEXT NOT
                    NULL,
                  cost_center TEXT, employee_type TEXT, employee_identifier TEXT, organization TEXT, state TEXT NOT
                    NULL,
                  password_status TEXT NOT NULL, password_hash TEXT, source_type TEXT NOT NULL, source_application_id
                    TEXT,
                  source_import_job_id TEXT, source_remote_id TEXT, created BIGINT NOT NULL, updated BIGINT NOT NULL)
                """,
                // One directory user per remote user of an application, whatever the races.
                "CREATE UNIQUE INDEX users_source_remote ON users (source_application_id, source_remote_id)",
                "CREATE TABLE user_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, "
                    + "created BIGINT NOT NULL)",
                """
                CREATE TABLE group_members (group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
                  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, PRIMARY KEY (group_id, user_id))
                """,
                """
                CREATE TABLE applications (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
                  description TEXT, created BIGINT NOT NULL)
                """,
                """
                CREATE TABLE integrations (application_id TEXT PRIMARY KEY REFERENCES applications(id) ON DELETE
                  CASCADE,
                  base_url TEXT NOT NULL, credential_kind TEXT NOT NULL, credentials TEXT NOT NULL, status TEXT NOT
                    NULL,
                  last_error TEXT, service_provider TEXT, updated BIGINT NOT NULL)
                """,
                """
                CREATE TABLE import_jobs (id TEXT PRIMARY KEY, application_id TEXT NOT NULL REFERENCES applications(id),
                  initiator TEXT NOT NULL, initiator_email TEXT, selection TEXT NOT NULL, status TEXT NOT NULL,
                  total BIGINT NOT NULL, created_count BIGINT NOT NULL, skipped_count BIGINT NOT NULL,
                  failed_count BIGINT NOT NULL, reason TEXT, created_at BIGINT NOT NULL, finished_at BIGINT)
                """,
                """
                CREATE TABLE import_results (job_id TEXT NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
                  remote_id TEXT NOT NULL, position BIGINT NOT NULL, user_name TEXT, outcome TEXT NOT NULL, user_id
                    TEXT,
                  reason TEXT, PRIMARY KEY (job_id, remote_id))
                """,
                """
                CREATE TABLE insights_events (id TEXT PRIMARY KEY, time BIGINT NOT NULL, type TEXT NOT NULL,
                  initiator_type TEXT NOT NULL, initiator_id TEXT, initiator_email TEXT, resource_type TEXT, resource_id
                    TEXT,
                  resource_name TEXT, application_id TEXT, application_name TEXT, import_job_id TEXT, client_ip TEXT,
                  success BIGINT NOT NULL)
                """,
                "CREATE INDEX insights_time ON insights_events (time)",
                "CREATE INDEX insights_type_time ON insights_events (type, time)",
                """
                CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                  run_after BIGINT NOT NULL, lease_owner TEXT, lease_until BIGINT, attempts BIGINT NOT NULL,
                  last_error TEXT, created BIGINT NOT NULL)
                """,
                "CREATE INDEX jobs_due ON jobs (status, run_after)",
            ],
            down: [
                "DROP TABLE jobs", "DROP TABLE insights_events", "DROP TABLE import_results", "DROP TABLE import_jobs",
                "DROP TABLE integrations", "DROP TABLE applications", "DROP TABLE group_members",
                "DROP TABLE user_groups",
                "DROP TABLE users", "DROP TABLE api_keys", "DROP TABLE administrators",
            ]),
        Migration(
            version: 2, name: "provisioning",
            up: [
                """
                CREATE TABLE group_bindings (group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
                  application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE, created BIGINT NOT NULL,
                  PRIMARY KEY (group_id, application_id))
                """,
                // Which remote user a directory user is in an application, and whether Roster left it active.
                """
                CREATE TABLE provisioned_users (application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE
                  CASCADE,
                  user_id TEXT NOT NULL, remote_id TEXT NOT NULL, active BIGINT NOT NULL, updated BIGINT NOT NULL,
                  PRIMARY KEY (application_id, user_id))
                """,
                """
                CREATE TABLE provisioned_groups (application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE
                  CASCADE,
                  group_id TEXT NOT NULL, remote_id TEXT NOT NULL, members TEXT NOT NULL, updated BIGINT NOT NULL,
                  PRIMARY KEY (application_id, group_id))
                """,
                """
                CREATE TABLE provisioning_log (id TEXT PRIMARY KEY, time BIGINT NOT NULL, application_id TEXT NOT NULL,
                  application_name TEXT NOT NULL, target_type TEXT NOT NULL, target_id TEXT NOT NULL, target_name TEXT,
                  operation TEXT NOT NULL, outcome TEXT NOT NULL, remote_id TEXT, detail TEXT)
                """,
                "CREATE INDEX provisioning_log_app_time ON provisioning_log (application_id, time)",
                "ALTER TABLE integrations ADD COLUMN deprovision_action TEXT NOT NULL DEFAULT 'deactivate'",
                // Failed pushes in a row: at ProvisioningService.quarantineAfter the application is quarantined.
                "ALTER TABLE integrations ADD COLUMN push_failures BIGINT NOT NULL DEFAULT 0",
                // Activation and reset links: only a hash of the token is kept, and each works once.
                """
                CREATE TABLE user_tokens (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON
                  DELETE CASCADE,
                  purpose TEXT NOT NULL, expires BIGINT NOT NULL, used BIGINT, created BIGINT NOT NULL)
                """,
            ],
            down: [
                "DROP TABLE user_tokens",
                "ALTER TABLE integrations DROP COLUMN push_failures",
                "ALTER TABLE integrations DROP COLUMN deprovision_action",
                "DROP TABLE provisioning_log", "DROP TABLE provisioned_groups", "DROP TABLE provisioned_users",
                "DROP TABLE group_bindings",
            ]),
        Migration(
            version: 3, name: "portal",
            up: [
                // Admin Portal sign-ins: only a hash of the cookie's token is kept; any instance serves them.
                """
                CREATE TABLE admin_sessions (token_hash TEXT PRIMARY KEY,
                  administrator_id TEXT NOT NULL REFERENCES administrators(id) ON DELETE CASCADE, csrf_token TEXT NOT
                    NULL,
                  created BIGINT NOT NULL, expires BIGINT NOT NULL, client_ip TEXT)
                """,
                "CREATE INDEX admin_sessions_expires ON admin_sessions (expires)",
                // Failed sign-ins in a row per email, and the lock they earned.
                "CREATE TABLE sign_in_failures (email_key TEXT PRIMARY KEY, failures BIGINT NOT NULL, locked_until "
                    + "BIGINT, updated BIGINT NOT NULL)",
                // The users list sorts by these at a million users.
                "CREATE INDEX users_created ON users (created, email_key)",
                "CREATE INDEX users_state ON users (state, email_key)",
                "CREATE INDEX insights_application_time ON insights_events (application_id, time)",
                // The users list searches by prefix on these keys, through indexes, at any size.
                "ALTER TABLE users ADD COLUMN displayname_key TEXT",
                "ALTER TABLE users ADD COLUMN lastname_key TEXT",
                "UPDATE users SET displayname_key = lower(displayname), lastname_key = lower(lastname)",
                "CREATE INDEX users_displayname_key ON users (displayname_key{pattern_ops})",
                "CREATE INDEX users_lastname_key ON users (lastname_key{pattern_ops})",
            ],
            down: [
                "DROP INDEX users_lastname_key", "DROP INDEX users_displayname_key",
                "ALTER TABLE users DROP COLUMN lastname_key", "ALTER TABLE users DROP COLUMN displayname_key",
                "DROP INDEX insights_application_time", "DROP INDEX users_state", "DROP INDEX users_created",
                "DROP TABLE sign_in_failures", "DROP TABLE admin_sessions",
            ],
            postgresUp: [
                // PostgreSQL's unique indexes cannot serve LIKE 'prefix%' outside the C locale.
                "CREATE INDEX users_email_prefix ON users (email_key text_pattern_ops)",
                "CREATE INDEX users_username_prefix ON users (username_key text_pattern_ops)",
            ], postgresDown: ["DROP INDEX users_username_prefix", "DROP INDEX users_email_prefix"]),
        typedContracts,
        offboarding,
        listings,
        inboundSCIM,
        connectors,
        schedules,
        mappings,
        customAttributes,
        byteOrderKeys,
        resultsWithoutJobKey,
        versions,
        mappingDirections,
        profiles,
        jobTakeovers,
    ]

    /// Applies the migrations not yet applied, each in its own transaction. On PostgreSQL an
    /// advisory lock makes instances that start together take turns, so each runs once.
    public func migrate() async throws {
        let dialect = self.dialect, logger = self.logger
        try await withSession { db in
            if let lock = dialect.migrationLock { try await db.raw(SQLQueryString(lock)).run() }
            do {
                try await Self.applyMigrations(on: db, dialect: dialect, logger: logger)
            } catch {
                if let unlock = dialect.migrationUnlock { try? await db.raw(SQLQueryString(unlock)).run() }
                throw error
            }
            if let unlock = dialect.migrationUnlock { try await db.raw(SQLQueryString(unlock)).run() }
        }
    }

    static func applyMigrations(on db: any SQLDatabase, dialect: Dialect, logger: Logger) async throws {
        try await db.raw(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied "
                + "BIGINT NOT NULL)"
        ).run()
        for migration in migrations {
            try await transaction(on: db, dialect: dialect) { db in
                let done = try await db.raw(
                    "SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)"
                ).all()
                guard done.isEmpty else { return }
                for statement in migration.statements(up: true, dialect) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await migration.code?(db)
                try await db.raw(
                    "INSERT INTO schema_migrations (version, name, applied) VALUES (\(bind: migration.version), "
                        + "\(bind: migration.name), \(bind: Date().millis))"
                ).run()
                logger.info(
                    "migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    /// Reverts the newest applied migration.
    public func revertLastMigration() async throws {
        let dialect = self.dialect
        try await sqlTransaction { db in
            let rows = try await db.raw("SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1").all()
            guard let version = try rows.first?.int("version"),
                let migration = Self.migrations.first(where: { $0.version == version })
            else { return }
            for statement in migration.statements(up: false, dialect) {
                try await db.raw(SQLQueryString(statement)).run()
            }
            try await db.raw("DELETE FROM schema_migrations WHERE version = \(bind: version)").run()
        }
    }
}
