import Foundation

/// A signed-in administrator in the Admin Portal. The cookie holds a random token; the
/// database holds its hash, so a leaked database row cannot be replayed.
public struct AdminSession: Sendable, Hashable {
    public var tokenHash: String
    public var administratorId: UUID
    /// Sent back with every form: a page from another site cannot know it.
    public var csrfToken: String
    public var created: Date
    public var expires: Date
    public var clientIp: String?

    public init(
        tokenHash: String, administratorId: UUID, csrfToken: String, created: Date, expires: Date, clientIp: String?
    ) {
        self.tokenHash = tokenHash
        self.administratorId = administratorId
        self.csrfToken = csrfToken
        self.created = created
        self.expires = expires
        self.clientIp = clientIp
    }
}
