import Foundation

/// A signed-in administrator in the Admin Portal. The cookie holds a random token; the
/// database holds its hash, so a leaked database row cannot be replayed.
public struct AdminSession: Sendable, Hashable {
    /// How far the sign-in got: a session waiting for the second factor, or for the
    /// administrator to enrol one, opens nothing but that step.
    public enum Stage: String, Sendable, Hashable {
        case complete
        case secondFactor = "second-factor"
        case enrol
    }

    public var tokenHash: String
    public var administratorId: UUID
    /// Sent back with every form: a page from another site cannot know it.
    public var csrfToken: String
    public var created: Date
    /// The idle expiry, pushed forward as the session is used.
    public var expires: Date
    /// The end of the session however busy it is.
    public var absoluteExpires: Date
    public var clientIp: String?
    public var stage: Stage

    public init(
        tokenHash: String, administratorId: UUID, csrfToken: String, created: Date, expires: Date,
        absoluteExpires: Date, clientIp: String?, stage: Stage = .complete
    ) {
        self.tokenHash = tokenHash
        self.administratorId = administratorId
        self.csrfToken = csrfToken
        self.created = created
        self.expires = expires
        self.absoluteExpires = absoluteExpires
        self.clientIp = clientIp
        self.stage = stage
    }
}
