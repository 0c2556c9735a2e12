import Foundation
import SQLKit

extension SQLStore {
    /// Migration 5: administrators can be disabled and carry a second factor; API keys expire,
    /// are revoked and remember their last use; sessions have an absolute end and a stage;
    /// sign-in attempts are throttled per account and per address; integrations say whether they
    /// may reach a private network; bindings may be authoritative, and adopted groups remember the
    /// members Roster must not remove until confirmed.
    static let offboarding = Migration(
        version: 5, name: "offboarding",
        up: [
            "ALTER TABLE administrators ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE administrators ADD COLUMN mfa_secret TEXT",
            "ALTER TABLE administrators ADD COLUMN mfa_pending_secret TEXT",
            "ALTER TABLE administrators ADD COLUMN mfa_last_step BIGINT",
            """
            CREATE TABLE mfa_recovery_codes (administrator_id TEXT NOT NULL REFERENCES administrators(id) ON DELETE
              CASCADE,
              code_hash TEXT NOT NULL, used BIGINT, PRIMARY KEY (administrator_id, code_hash))
            """,
            "ALTER TABLE api_keys ADD COLUMN expires BIGINT",
            "ALTER TABLE api_keys ADD COLUMN last_used BIGINT",
            "ALTER TABLE api_keys ADD COLUMN revoked BIGINT",
            "ALTER TABLE api_keys ADD COLUMN parent_id TEXT",
            "ALTER TABLE admin_sessions ADD COLUMN absolute_expires BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE admin_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'complete'",
            // Sessions signed in before this version end twelve hours after they began.
            "UPDATE admin_sessions SET absolute_expires = created + 43200000",
            "CREATE INDEX admin_sessions_administrator ON admin_sessions (administrator_id)",
            "DROP TABLE sign_in_failures",
            """
            CREATE TABLE sign_in_throttle (throttle_key TEXT PRIMARY KEY, attempts BIGINT NOT NULL, window_start BIGINT
              NOT NULL,
              locked_until BIGINT)
            """,
            "ALTER TABLE integrations ADD COLUMN allow_private_network BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE group_bindings ADD COLUMN authoritative BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE provisioned_groups ADD COLUMN unconfirmed TEXT NOT NULL DEFAULT '[]'",
        ],
        down: [
            "ALTER TABLE provisioned_groups DROP COLUMN unconfirmed",
            "ALTER TABLE group_bindings DROP COLUMN authoritative",
            "ALTER TABLE integrations DROP COLUMN allow_private_network",
            "DROP TABLE sign_in_throttle",
            """
            CREATE TABLE sign_in_failures (email_key TEXT PRIMARY KEY, failures BIGINT NOT NULL, locked_until BIGINT,
              updated BIGINT NOT NULL)
            """,
            "DROP INDEX admin_sessions_administrator",
            "ALTER TABLE admin_sessions DROP COLUMN stage",
            "ALTER TABLE admin_sessions DROP COLUMN absolute_expires",
            "ALTER TABLE api_keys DROP COLUMN parent_id",
            "ALTER TABLE api_keys DROP COLUMN revoked",
            "ALTER TABLE api_keys DROP COLUMN last_used",
            "ALTER TABLE api_keys DROP COLUMN expires",
            "DROP TABLE mfa_recovery_codes",
            "ALTER TABLE administrators DROP COLUMN mfa_last_step",
            "ALTER TABLE administrators DROP COLUMN mfa_pending_secret",
            "ALTER TABLE administrators DROP COLUMN mfa_secret",
            "ALTER TABLE administrators DROP COLUMN disabled",
        ])
}
