import Foundation
import SCIM

public struct Application: Sendable, Hashable, Codable {
    public var id: UUID
    public var name: String
    public var description: String?
    public var created: Date
    /// The connector preset it was made from (``ConnectorPreset/id``), whose documented limits it keeps.
    public var preset: String?
    public init(
        id: UUID = UUID.random(), name: String, description: String? = nil, created: Date = Date(),
        preset: String? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.created = created
        self.preset = preset
    }
}

/// How Roster authenticates to an application's SCIM API. Stored encrypted, never returned.
public enum Credentials: Sendable, Hashable, Codable {
    case bearer(token: String)
    case basic(user: String, password: String)
    case oauth(tokenURL: String, clientID: String, clientSecret: String, scope: String?)

    public var kind: String {
        switch self {
        case .bearer: "bearer"
        case .basic: "basic"
        case .oauth: "oauth2"
        }
    }

    var authentication: SCIMAuthentication {
        switch self {
        case .bearer(let token): .bearer(token: token)
        case .basic(let user, let password): .basic(user: user, password: password)
        case .oauth(let url, let id, let secret, let scope):
            .oauthClientCredentials(tokenURL: url, clientID: id, clientSecret: secret, scope: scope)
        }
    }
}

/// An application's IdM integration: where its SCIM API is and what Roster learned of it.
public struct Integration: Sendable, Hashable {
    public enum Status: String, Sendable, Codable { case active, deactivated, error }
    public var applicationId: UUID
    public var baseURL: String
    public var credentials: Credentials
    public var status: Status
    public var lastError: String?
    public var serviceProvider: ServiceProviderConfig?
    public var updated: Date
    /// Whether calls may go to loopback, link-local and private addresses, and over http://
    /// (a test server, a provider on the organisation's own network).
    public var allowPrivateNetwork: Bool
    /// Requests per second Roster sends at most (`roster app set --rate-limit`); nil learns the
    /// provider's pace from its 429s.
    public var rateLimit: Double?
    /// Listing parameters the provider refuses or ignores, learned as Roster lists its users;
    /// forgotten when the base URL changes, learned again by a connection test.
    public var listingFallbacks: ListingFallbacks

    public init(
        applicationId: UUID, baseURL: String, credentials: Credentials, status: Status = .active,
        lastError: String? = nil, serviceProvider: ServiceProviderConfig? = nil, updated: Date = Date(),
        allowPrivateNetwork: Bool = false, rateLimit: Double? = nil, listingFallbacks: ListingFallbacks = .init()
    ) {
        self.listingFallbacks = listingFallbacks
        self.allowPrivateNetwork = allowPrivateNetwork
        self.rateLimit = rateLimit
        self.applicationId = applicationId
        self.baseURL = baseURL
        self.credentials = credentials
        self.status = status
        self.lastError = lastError
        self.serviceProvider = serviceProvider
        self.updated = updated
    }
}
