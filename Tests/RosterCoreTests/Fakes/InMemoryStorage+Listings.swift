import Foundation

@testable import RosterCore

/// The stored listing in memory: generations, completion and the screen's queries, as SQL has them.
extension InMemoryStorage: ListingRepository {
    func listingState(applicationId: UUID) async throws -> (listedAt: Date, stale: Bool)? {
        try check()
        return listings[applicationId].map { ($0.listedAt, $0.stale) }
    }

    func storeListedUsers(_ users: [ListedUser], applicationId: UUID, generation: UUID, from position: Int)
        async throws
    {
        try check()
        listedUsers[generation, default: []] += users
    }

    func completeListing(applicationId: UUID, generation: UUID, listedAt: Date) async throws {
        try check()
        if let old = listings[applicationId]?.generation, old != generation { listedUsers[old] = nil }
        listings[applicationId] = (generation, listedAt, false)
    }

    func listingPage(applicationId: UUID, _ query: ListingQuery) async throws -> ListingPage? {
        try check()
        guard let listing = listings[applicationId] else { return nil }
        var users = listedUsers[listing.generation] ?? []
        if let search = query.search?.lowercased(), !search.isEmpty {
            users = users.filter { $0.searchText.contains(search) }
        }
        let counts = Dictionary(grouping: users, by: \.status.status).mapValues(\.count)
        if let status = query.status { users = users.filter { $0.status.status == status } }
        func key(_ user: ListedUser) -> String? {
            switch query.sort {
            case .listed: nil
            case .userName: user.status.userName?.lowercased()
            case .email: user.status.email?.lowercased()
            case .displayName: user.status.displayName?.lowercased()
            case .familyName: user.familyName?.lowercased()
            }
        }
        if query.sort != .listed { users = users.sorted { (key($0) ?? "") < (key($1) ?? "") } }
        if query.descending { users.reverse() }
        return ListingPage(
            listedAt: listing.listedAt, matching: users.count, counts: counts,
            users: users.dropFirst(query.offset).prefix(query.limit).map(\.status))
    }

    func markListingStale(applicationId: UUID) async throws {
        try check()
        listings[applicationId]?.stale = true
    }

    func updateListedStatuses(_ statuses: [RemoteUserStatus], applicationId: UUID) async throws {
        try check()
        guard let generation = listings[applicationId]?.generation else { return }
        let byId = Dictionary(statuses.map { ($0.remoteId, $0) }, uniquingKeysWith: { a, _ in a })
        listedUsers[generation] = listedUsers[generation]?.map { user in
            var user = user
            if let status = byId[user.status.remoteId] { user.status = status }
            return user
        }
    }
}
