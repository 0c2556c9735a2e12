import SQLKit

extension SQLStore {
    /// Migration 12, PostgreSQL only: the users list's keys compare byte by byte (`COLLATE "C"`), as
    /// SQLite's do. Outside the C locale PostgreSQL's indexes could not serve `LIKE 'prefix%'`, so
    /// email and username each had a second index, and every key was compared through the locale.
    /// Now one index per key serves equality, order and prefix search: an import writes two index
    /// entries fewer per user, and each comparison is a `memcmp`. Lists sorted by these keys now order
    /// as SQLite's do: by code point, so punctuation counts and accented letters come after `z`.
    static let byteOrderKeys = Migration(
        version: 12, name: "byte-order-keys",
        up: [], down: [],
        postgresUp: [
            "DROP INDEX users_email_prefix", "DROP INDEX users_username_prefix",
            "DROP INDEX users_displayname_key", "DROP INDEX users_lastname_key",
            """
            ALTER TABLE users ALTER COLUMN email_key TYPE TEXT COLLATE "C",
              ALTER COLUMN username_key TYPE TEXT COLLATE "C", ALTER COLUMN displayname_key TYPE TEXT COLLATE "C",
              ALTER COLUMN lastname_key TYPE TEXT COLLATE "C"
            """,
            "CREATE INDEX users_displayname_key ON users (displayname_key)",
            "CREATE INDEX users_lastname_key ON users (lastname_key)",
        ],
        postgresDown: [
            "DROP INDEX users_lastname_key", "DROP INDEX users_displayname_key",
            """
            ALTER TABLE users ALTER COLUMN email_key TYPE TEXT COLLATE "default",
              ALTER COLUMN username_key TYPE TEXT COLLATE "default",
              ALTER COLUMN displayname_key TYPE TEXT COLLATE "default",
              ALTER COLUMN lastname_key TYPE TEXT COLLATE "default"
            """,
            "CREATE INDEX users_lastname_key ON users (lastname_key text_pattern_ops)",
            "CREATE INDEX users_displayname_key ON users (displayname_key text_pattern_ops)",
            "CREATE INDEX users_username_prefix ON users (username_key text_pattern_ops)",
            "CREATE INDEX users_email_prefix ON users (email_key text_pattern_ops)",
        ])
}
