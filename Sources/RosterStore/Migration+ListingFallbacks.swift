import SQLKit

extension SQLStore {
    /// Migration 8: an integration remembers the listing parameters its provider refuses or
    /// ignores (JSON, ``ListingFallbacks``), so later listings ask only what works.
    static let listingFallbacks = Migration(
        version: 8, name: "listing-fallbacks",
        up: ["ALTER TABLE integrations ADD COLUMN listing_fallbacks TEXT"],
        down: ["ALTER TABLE integrations DROP COLUMN listing_fallbacks"])
}
