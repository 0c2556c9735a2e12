import SQLKit

extension SQLStore {
    /// Migration 16: each user's profile, the rest of the user as its SCIM client or application sent
    /// it (every email and phone number with its type, the manager, `preferredLanguage`, …), one JSON
    /// object: read and written whole with the user, never searched.
    static let profiles = Migration(
        version: 16, name: "user-profiles",
        up: ["ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}'"],
        down: ["ALTER TABLE users DROP COLUMN profile"])
}
