import Foundation

/// How Roster proves itself to a service provider.
public enum SCIMAuthentication: Sendable, Hashable {
    case none
    case bearer(token: String)
    case basic(user: String, password: String)
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4).
    case oauthClientCredentials(tokenURL: String, clientID: String, clientSecret: String, scope: String?)
}
