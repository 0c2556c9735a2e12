import SQLKit

extension SQLStore {
    /// Migration 7: users written over SCIM keep the client's `externalId` (case-exact, RFC 7643
    /// §3.1) and, once a client deletes them while the directory only suspends, when that was (the
    /// SCIM service answers 404 for them from then on); Insights events say which door a change
    /// came through and with which API key; groups keep their client's `externalId` too.
    static let inboundSCIM = Migration(
        version: 7, name: "inbound-scim",
        up: [
            "ALTER TABLE users ADD COLUMN external_id TEXT",
            "ALTER TABLE users ADD COLUMN scim_deleted BIGINT",
            // Partial: imported users have none, and an import should not pay for an index entry each.
            "CREATE INDEX users_external_id ON users (external_id) WHERE external_id IS NOT NULL",
            // The few users deleted through SCIM, counted apart: a SCIM list's total is every user less these.
            "CREATE INDEX users_scim_deleted ON users (scim_deleted) WHERE scim_deleted IS NOT NULL",
            "ALTER TABLE insights_events ADD COLUMN channel TEXT",
            "ALTER TABLE insights_events ADD COLUMN api_key_id TEXT",
            "ALTER TABLE insights_events ADD COLUMN api_key_name TEXT",
            "ALTER TABLE user_groups ADD COLUMN external_id TEXT",
        ],
        down: [
            "ALTER TABLE user_groups DROP COLUMN external_id",
            "ALTER TABLE insights_events DROP COLUMN api_key_name",
            "ALTER TABLE insights_events DROP COLUMN api_key_id",
            "ALTER TABLE insights_events DROP COLUMN channel",
            "DROP INDEX users_scim_deleted",
            "DROP INDEX users_external_id",
            "ALTER TABLE users DROP COLUMN scim_deleted",
            "ALTER TABLE users DROP COLUMN external_id",
        ])
}
