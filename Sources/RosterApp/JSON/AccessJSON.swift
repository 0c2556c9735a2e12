import Foundation
import RosterCore

// Administrators and API keys, as `roster admin list --json`, `roster apikey ... --json` and
// `/api/v1/administrators`, `/api/v1/apikeys` show them.

public struct AdministratorJSON: Codable, Sendable {
    var id, email, role: String
    var disabled, mfa: Bool
    var created: Date

    public init(_ admin: Administrator) {
        (id, email, role) = (admin.id.text, admin.email, admin.role.rawValue)
        (disabled, mfa, created) = (admin.disabled, admin.mfaEnabled, admin.created)
    }
}

public struct APIKeyJSON: Codable, Sendable {
    var id, name, role, status: String
    var administrator: String?
    var created: Date
    var expires, lastUsed, revoked: Date?

    public init(_ listing: APIKeyListing) {
        let key = listing.key
        (id, name, role, status) = (key.id.text, key.name, key.role.rawValue, listing.status.rawValue)
        (administrator, created) = (listing.administrator, key.created)
        (expires, lastUsed, revoked) = (key.expires, key.lastUsed, key.revoked)
    }
}

/// A new key: `key` is the secret, shown this once and never stored.
public struct CreatedAPIKeyJSON: Codable, Sendable {
    var id, name, role, key: String

    public init(_ created: APIKey, secret: String) {
        (id, name, role, key) = (created.id.text, created.name, created.role.rawValue, secret)
    }
}
