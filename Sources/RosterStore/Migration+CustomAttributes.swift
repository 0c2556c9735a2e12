import SQLKit

extension SQLStore {
    /// Migration 11: custom attributes, declared once (`name_key` keeps two names from differing
    /// only by case), and each user's values as one JSON object (`{"badge": 12}`).
    static let customAttributes = Migration(
        version: 11, name: "custom-attributes",
        up: [
            """
            CREATE TABLE custom_attributes (name_key TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,
              description TEXT, declared_by TEXT, declared_at BIGINT NOT NULL)
            """,
            "ALTER TABLE users ADD COLUMN custom TEXT NOT NULL DEFAULT '{}'",
        ],
        down: ["ALTER TABLE users DROP COLUMN custom", "DROP TABLE custom_attributes"])
}
