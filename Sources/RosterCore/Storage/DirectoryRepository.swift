import Foundation

public protocol DirectoryRepository: Sendable {
    /// Users in `sort` order; `search` matches the start of email, username, display name or last name;
    /// each of `filters` must hold too.
    func users(search: String?, filters: [UserFilter], sort: UserSort, limit: Int, offset: Int) async throws
        -> [DirectoryUser]
    /// Up to `limit` users after (or, going back, before) `cursor` in its order, nearest first;
    /// the first page when `cursor` is nil.
    func users(search: String?, filters: [UserFilter], sort: UserSort, limit: Int, cursor: UserCursor?) async throws
        -> [DirectoryUser]
    func userCount() async throws -> Int
    func user(id: UUID) async throws -> DirectoryUser?
    /// The user, locked until the transaction it is read in ends: read-modify-write without a lost update.
    func lockUser(id: UUID) async throws -> DirectoryUser?
    /// The user imported from the application's account `remoteId`, if any.
    func importedUser(applicationId: UUID, remoteId: String) async throws -> DirectoryUser?
    /// The users with these ids that exist, in no particular order.
    func users(ids: [UUID]) async throws -> [DirectoryUser]
    /// Users whose email or username equals one of `keys`, compared case-insensitively.
    func usersMatching(keys: [String]) async throws -> [DirectoryUser]
    func setPassword(userId: UUID, hash: String) async throws
    func createUserToken(hash: String, userId: UUID, purpose: String, expires: Date) async throws
    /// Ends every unused link of the user (a new link, or a password set another way, replaces them).
    func invalidateUserTokens(userId: UUID, now: Date) async throws
    /// The token's user, purpose, expiry and when it was used, if it exists.
    func userToken(hash: String) async throws -> UserToken?
    /// Marks the token used and sets the password in one transaction; false when the token
    /// was used or expired in the meantime.
    func redeemUserToken(hash: String, passwordHash: String, now: Date) async throws -> Bool
    /// Saves a user's attributes and state if it still has `user.version`, and answers it as saved
    /// (the next version). ``RosterError/conflict(_:)`` when its email or username is another user's
    /// (compared case-insensitively); ``RosterError/versionConflict(_:)`` when someone changed it since.
    @discardableResult
    func updateUser(_ user: DirectoryUser) async throws -> DirectoryUser
}

extension DirectoryRepository {
    public func users(search: String?, sort: UserSort, limit: Int, offset: Int) async throws -> [DirectoryUser] {
        try await users(search: search, filters: [], sort: sort, limit: limit, offset: offset)
    }

    public func users(search: String?, sort: UserSort, limit: Int, cursor: UserCursor?) async throws
        -> [DirectoryUser]
    {
        try await users(search: search, filters: [], sort: sort, limit: limit, cursor: cursor)
    }
}

/// An activation or reset link as stored: only the hash of its token is kept.
public struct UserToken: Sendable, Hashable {
    public var userId: UUID
    public var purpose: String
    public var expires: Date
    public var used: Date?
    public init(userId: UUID, purpose: String, expires: Date, used: Date?) {
        self.userId = userId
        self.purpose = purpose
        self.expires = expires
        self.used = used
    }
}
