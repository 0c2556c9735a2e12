import SQLKit

extension SQLStore {
    /// Migration 14: users and groups carry a version that every write of them increments. SCIM's
    /// `meta.version` and ETag come from it, and a write that names the version it read (If-Match,
    /// the portal's forms, the API) changes the row only while it still has that version.
    static let versions = Migration(
        version: 14, name: "versions",
        up: [
            "ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1",
            "ALTER TABLE user_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 1",
            "ALTER TABLE user_groups ADD COLUMN updated BIGINT",
            "UPDATE user_groups SET updated = created",
        ],
        down: [
            "ALTER TABLE user_groups DROP COLUMN updated",
            "ALTER TABLE user_groups DROP COLUMN version",
            "ALTER TABLE users DROP COLUMN version",
        ])
}
