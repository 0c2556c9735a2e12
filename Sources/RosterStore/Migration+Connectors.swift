import SQLKit

extension SQLStore {
    /// Migration 8: an integration remembers the listing parameters its provider refuses or
    /// ignores (JSON, ``ListingFallbacks``), so later listings ask only what works; an application
    /// remembers the connector preset it was made from, whose documented limits it keeps.
    static let connectors = Migration(
        version: 8, name: "listing-fallbacks-and-presets",
        up: [
            "ALTER TABLE integrations ADD COLUMN listing_fallbacks TEXT",
            "ALTER TABLE applications ADD COLUMN preset TEXT",
        ],
        down: [
            "ALTER TABLE applications DROP COLUMN preset",
            "ALTER TABLE integrations DROP COLUMN listing_fallbacks",
        ])
}
