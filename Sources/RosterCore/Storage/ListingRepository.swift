import Foundation

/// A remote user as the stored listing keeps it: its status on the import screen, and what the
/// screen searches and sorts on.
public struct ListedUser: Sendable, Hashable {
    public var status: RemoteUserStatus
    public var familyName: String?
    /// Lower-case text the screen's search looks in: userName, emails, display, given and family names.
    public var searchText: String

    public init(status: RemoteUserStatus, familyName: String?, searchText: String) {
        self.status = status
        self.familyName = familyName
        self.searchText = searchText
    }
}

/// A question to the stored listing: one page, narrowed and sorted.
public struct ListingQuery: Sendable {
    public enum Sort: String, Sendable, CaseIterable {
        /// The order the application listed its users in.
        case listed, userName, email, displayName, familyName

        /// The sort for a SCIM attribute path the screen offers; nil for one it does not.
        public init?(attribute: String) {
            switch attribute.lowercased() {
            case "username": self = .userName
            case "emails", "emails.value", "email": self = .email
            case "displayname": self = .displayName
            case "name.familyname": self = .familyName
            default: return nil
            }
        }
    }
    public var status: RemoteUserStatus.Status?
    public var search: String?
    public var sort: Sort
    public var descending: Bool
    public var limit: Int
    public var offset: Int

    public init(
        status: RemoteUserStatus.Status? = nil, search: String? = nil, sort: Sort = .listed, descending: Bool = false,
        limit: Int = 50, offset: Int = 0
    ) {
        self.status = status
        self.search = search
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }
}

/// One page of the stored listing, with how many users match and how many of each status the
/// listing (narrowed by the search) holds.
public struct ListingPage: Sendable {
    public var listedAt: Date
    public var matching: Int
    public var counts: [RemoteUserStatus.Status: Int]
    public var users: [RemoteUserStatus]

    public init(listedAt: Date, matching: Int, counts: [RemoteUserStatus.Status: Int], users: [RemoteUserStatus]) {
        self.listedAt = listedAt
        self.matching = matching
        self.counts = counts
        self.users = users
    }
}

/// An application's users as last read for the import screen. A read is written under a new
/// generation and becomes the listing only when complete, so a page view never sees half a read.
public protocol ListingRepository: Sendable {
    /// When the application's listing was read, and whether it was marked to be read again.
    func listingState(applicationId: UUID) async throws -> (listedAt: Date, stale: Bool)?
    func storeListedUsers(_ users: [ListedUser], applicationId: UUID, generation: UUID, from position: Int)
        async throws
    /// Makes `generation` the application's listing and drops every other.
    func completeListing(applicationId: UUID, generation: UUID, listedAt: Date) async throws
    func listingPage(applicationId: UUID, _ query: ListingQuery) async throws -> ListingPage?
    /// The next page view reads the application again.
    func markListingStale(applicationId: UUID) async throws
    /// Records statuses found out of date when a page was shown.
    func updateListedStatuses(_ statuses: [RemoteUserStatus], applicationId: UUID) async throws
}
