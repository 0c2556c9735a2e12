import Foundation
import SCIM

extension RemoteListing {
    /// A page of the import screen from the stored listing: the application is read only when
    /// asked (`refresh`), when the listing is older than the listing lifetime, or after an import;
    /// every other page view, status, search and sort is a query on what was stored.
    ///
    /// The page's statuses are checked against the directory as it is now, so a user imported or
    /// created since the read shows as already in the directory.
    public func storedPage(application name: String, _ query: ListingQuery, refresh: Bool, by initiator: Initiator)
        async throws -> ListingPage
    {
        try initiator.require(.read)
        try Self.checkWindow(limit: query.limit, offset: query.offset)
        let application = try await applications.find(name)
        let state = try await storage.listingState(applicationId: application.id)
        if refresh || state == nil || state!.stale || Date().timeIntervalSince(state!.listedAt) > listingLifetime {
            try await read(application)
        }
        guard var page = try await storage.listingPage(applicationId: application.id, query) else {
            throw RosterError.internal("the listing of \(application.name) was not stored")
        }
        let checked = try await recheck(page.users, application: application)
        if checked != page.users {
            try await storage.updateListedStatuses(
                zip(page.users, checked).filter { $0 != $1 }.map(\.1), applicationId: application.id)
            page.users = checked
        }
        return page
    }

    /// A page of at most 1,000 users, starting at most ten million in.
    static func checkWindow(limit: Int, offset: Int) throws {
        guard (1...1_000).contains(limit) else {
            throw RosterError.invalid("limit must be a whole number from 1 to 1000, not \(limit)")
        }
        guard (0...10_000_000).contains(offset) else {
            throw RosterError.invalid("offset must be a whole number from 0 to 10000000, not \(offset)")
        }
    }

    /// Reads every user of the application, page by page, into a new generation of the listing:
    /// while one page is stored, the next is classified (and the ones after it are on their way).
    func read(_ application: Application) async throws {
        let connection = try await access.connect(application)
        let generation = UUID.random()
        var seen: [String: String] = [:]
        let pages = connection.client.userPages(ImportRunner.listingQuery, config: connection.provider, raw: false)
        try await withThrowingTaskGroup(of: Void.self) { stores in
            var position = 0
            var storing = false
            do {
                for try await page in pages {
                    let statuses = try await ImportRules.classify(
                        page, application: connection.application, storage: storage, seen: &seen)
                    let listed = zip(page, statuses).map(Self.listed)
                    // One page is stored at a time, in order; the next is classified meanwhile.
                    if storing { try await stores.next() }
                    let (storage, from) = (storage, position)
                    stores.addTask {
                        try await storage.storeListedUsers(
                            listed, applicationId: application.id, generation: generation, from: from)
                    }
                    storing = true
                    // bounded: counts rows Roster stored
                    position += page.count
                }
                try await stores.waitForAll()
            } catch {
                // A page being stored ends (it is not cancelled) before the error is reported.
                while (try? await stores.next()) != nil {}
                throw RosterError.from(error)
            }
        }
        try await storage.completeListing(applicationId: application.id, generation: generation, listedAt: Date())
    }

    static func listed(_ user: SCIMUser, _ status: RemoteUserStatus) -> ListedUser {
        let words =
            [user.userName, user.displayName, user.name?.givenName, user.name?.familyName] + user.emails.map(\.value)
        return ListedUser(
            status: status, familyName: user.name?.familyName,
            searchText: words.compactMap { $0?.lowercased() }.joined(separator: "\n"))
    }

    /// The statuses of `users` as the directory stands now: new and existing users are looked up
    /// again (one query); invalid ones stay as the read found them.
    func recheck(_ users: [RemoteUserStatus], application: Application) async throws -> [RemoteUserStatus] {
        let keys = users.filter { $0.status != .invalid }.flatMap { [$0.email, $0.userName].compactMap { $0 } }
        guard !keys.isEmpty else { return users }
        var byKey: [String: DirectoryUser] = [:]
        for user in try await storage.usersMatching(keys: keys) {
            byKey[user.email.lowercased()] = user
            byKey[user.username.lowercased()] = byKey[user.username.lowercased()] ?? user
        }
        return users.map { listed in
            guard listed.status != .invalid else { return listed }
            var user = listed
            let match = [listed.email, listed.userName].compactMap { $0?.lowercased() }.lazy.compactMap { byKey[$0] }
                .first
            if let match {
                if ImportRules.isDuplicate(remoteId: listed.remoteId, of: match, application: application.id) {
                    user.status = .invalid
                    user.reason = ImportRules.duplicateReason(match)
                } else {
                    user.status = .exists
                    user.matchedUserId = match.id
                    user.reason = "already in the directory as \(match.email)"
                }
            } else {
                user.status = .new
                user.matchedUserId = nil
                user.reason = nil
            }
            return user
        }
    }
}
