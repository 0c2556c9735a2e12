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
        byEmail[user.email.lowercased()] = byEmail[user.email.lowercased()] ?? user
        byUsername[user.username.lowercased()] = byUsername[user.username.lowercased()] ?? user
        if let source = Self.source(user) { bySource[source] = bySource[source] ?? user }
    }

    /// The user that keeps `user` out, as the directory's unique keys would: same remote identity
    /// first, then the same email, then the same username.
    func conflict(for user: DirectoryUser) -> DirectoryUser? {
        if let source = Self.source(user), let holder = bySource[source] { return holder }
        return byEmail[user.email.lowercased()] ?? byUsername[user.username.lowercased()]
    }

    private static func source(_ user: DirectoryUser) -> String? {
        guard let application = user.source.applicationId, let remote = user.source.remoteId else { return nil }
        return application.text + "\u{0}" + remote
    }
}
