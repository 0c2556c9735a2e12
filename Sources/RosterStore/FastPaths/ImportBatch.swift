import RosterCore

/// Who holds each email, username and remote identity among the users that kept some of a batch
/// out (those already in the directory, and those the batch itself created just before).
struct ImportBatch {
    private var byUsername: [String: DirectoryUser] = [:]
    private var byEmail: [String: DirectoryUser] = [:]
    private var bySource: [String: DirectoryUser] = [:]

    init(existing: [DirectoryUser]) {
        for user in existing { claim(user) }
    }

    /// Records `user` as holding its keys (one the batch creates), unless another holds one first.
    mutating func claim(_ user: DirectoryUser) {
        claim(user, keys: Keys(user))
    }

    /// ``conflict(for:)``, then ``claim(_:)`` when there is none: each key made once (lowercasing
    /// a name costs more than looking it up).
    mutating func claimUnlessHeld(_ user: DirectoryUser) -> DirectoryUser? {
        let keys = Keys(user)
        if let holder = conflict(keys) { return holder }
        claim(user, keys: keys)
        return nil
    }

    /// The user that keeps `user` out, as the directory's unique keys would: same remote identity
    /// first, then the same email, then the same username.
    func conflict(for user: DirectoryUser) -> DirectoryUser? { conflict(Keys(user)) }

    private func conflict(_ keys: Keys) -> DirectoryUser? {
        if let source = keys.source, let holder = bySource[source] { return holder }
        return byEmail[keys.email] ?? byUsername[keys.username]
    }

    private mutating func claim(_ user: DirectoryUser, keys: Keys) {
        if byEmail[keys.email] == nil { byEmail[keys.email] = user }
        if byUsername[keys.username] == nil { byUsername[keys.username] = user }
        if let source = keys.source, bySource[source] == nil { bySource[source] = user }
    }

    /// A user's unique keys, as the directory's indexes hold them.
    private struct Keys {
        let email, username: String
        let source: String?

        init(_ user: DirectoryUser) {
            email = user.email.lowercased()
            username = user.username.lowercased()
            if let application = user.source.applicationId, let remote = user.source.remoteId {
                source = application.text + "\u{0}" + remote
            } else {
                source = nil
            }
        }
    }
}
