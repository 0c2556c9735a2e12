import SQLKit

extension SQLStore {
    /// Migration 10: each application's attribute mapping, every version kept with who saved it.
    static let mappings = Migration(
        version: 10, name: "attribute-mappings",
        up: [
            """
            CREATE TABLE attribute_mappings (application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE
              CASCADE, version BIGINT NOT NULL, rules TEXT NOT NULL, changed_by TEXT, changed_at BIGINT NOT NULL,
              PRIMARY KEY (application_id, version))
            """
        ],
        down: ["DROP TABLE attribute_mappings"])
}
