import SQLKit

extension SQLStore {
    static let sortKeys = ["user_name_key", "email_key", "display_name_key", "family_name_key"]

    /// Migration 6: the import screen's stored listing of each application's users, by generation
    /// (a read in progress is invisible until complete), with the keys the screen sorts on; and
    /// Insights pages by (time, id), newest first; an integration may have a rate limit.
    static let listings = Migration(
        version: 6, name: "listings",
        up: [
            """
            CREATE TABLE remote_listings (application_id TEXT PRIMARY KEY REFERENCES applications(id) ON DELETE CASCADE,
              generation TEXT NOT NULL, listed_at BIGINT NOT NULL, stale BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE remote_listing_users (application_id TEXT NOT NULL, generation TEXT NOT NULL,
              position BIGINT NOT NULL, remote_id TEXT NOT NULL, user_name TEXT, email TEXT, display_name TEXT,
              status TEXT NOT NULL, matched_user_id TEXT, reason TEXT, search_text TEXT NOT NULL,
              user_name_key TEXT, email_key TEXT, display_name_key TEXT, family_name_key TEXT,
              PRIMARY KEY (application_id, generation, position))
            """,
            "CREATE INDEX remote_listing_status ON remote_listing_users (application_id, generation, status, position)",
            "CREATE INDEX remote_listing_remote ON remote_listing_users (application_id, generation, remote_id)",
            // Pages by (time, id); it serves time ranges too, so the index on time alone goes.
            "CREATE INDEX insights_time_id ON insights_events (time, id)", "DROP INDEX insights_time",
            "ALTER TABLE integrations ADD COLUMN rate_limit DOUBLE PRECISION",
            // Each sort of the screen walks an index: a deep page costs about what the first does.
        ]
            + sortKeys.map { key in
                "CREATE INDEX remote_listing_\(key) ON remote_listing_users "
                    + "(application_id, generation, \(key), position)"
            },
        down: sortKeys.map { "DROP INDEX remote_listing_\($0)" } + [
            "ALTER TABLE integrations DROP COLUMN rate_limit",
            "CREATE INDEX insights_time ON insights_events (time)", "DROP INDEX insights_time_id",
            "DROP INDEX remote_listing_remote", "DROP INDEX remote_listing_status", "DROP TABLE remote_listing_users",
            "DROP TABLE remote_listings",
        ])
}
