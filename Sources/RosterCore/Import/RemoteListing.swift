import Foundation
import SCIM

/// The import screen's list: an application's users, each with what an import would do to it.
public struct RemoteListing: Sendable {
    let storage: any Storage
    let applications: ApplicationService
    let access: IntegrationAccess
    /// How long a stored listing serves the import screen before it is read again.
    let listingLifetime: TimeInterval

    public struct Options: Sendable {
        public var filter: String?
        public var search: String?
        public var sortBy: String?
        public var sortOrder: SCIMSortOrder
        public init(
            filter: String? = nil, search: String? = nil, sortBy: String? = nil, sortOrder: SCIMSortOrder = .ascending
        ) {
            self.filter = filter
            self.search = search
            self.sortBy = sortBy
            self.sortOrder = sortOrder
        }
    }

    /// The application's users with their status. Filter and sort go to the service provider
    /// when it supports them, otherwise Roster applies them itself (also when the provider turns
    /// out to refuse them: ``ListingFallbacks``).
    public func remoteUsers(application name: String, options: Options = .init(), by initiator: Initiator) async throws
        -> [RemoteUserStatus]
    {
        try initiator.require(.read)
        let filterText = Self.filterText(options)
        // Parsed first, even when the provider filters: a typo (or a hostile filter) is reported by
        // Roster, clearly, before anything is sent.
        let filter = try filterText.map { text in
            do { return try SCIMFilter(parsing: text) } catch { throw RosterError.invalid("\(error)") }
        }
        let connection = try await access.connect(try await applications.find(name))
        let provider = connection.provider
        var query = UserQuery(pageSize: 200)
        if provider.filterSupported { query.filter = filterText }
        if provider.sortSupported, let sortBy = options.sortBy {
            query.sortBy = sortBy
            query.sortOrder = options.sortOrder
        }
        let sortPath = options.sortBy.map(SCIMFilter.AttributePath.init)
        var seen: [String: String] = [:]
        var listed: [(key: String?, status: RemoteUserStatus)] = []
        do {
            for try await page in connection.client.userPages(query, config: provider) {
                let kept = provider.filterSupported || filter == nil ? page : page.filter { filter!.matches($0.raw) }
                let statuses = try await ImportRules.classify(
                    kept, application: connection.application, storage: storage,
                    seen: &seen)
                for (user, status) in zip(kept, statuses) { listed.append((sortPath?.sortKey(in: user.raw), status)) }
            }
        } catch { throw RosterError.from(error) }
        let sortLocally =
            sortPath != nil && (query.sortBy == nil || connection.client.listing.fallbacks.contains(.sortBy))
        guard sortLocally else { return listed.map(\.status) }
        let ascending = options.sortOrder == .ascending
        return listed.sorted { a, b in
            switch (a.key, b.key) {
            case (nil, _): false
            case (_, nil): true
            case (let x?, let y?): ascending ? x < y : x > y
            }
        }.map(\.status)
    }

    /// A page of the import screen narrowed by a SCIM filter: the stored listing cannot answer an
    /// arbitrary filter, so the application is read (and filters) as the admin asks.
    public func filteredPage(
        application name: String, options: Options, status: RemoteUserStatus.Status?, limit: Int, offset: Int,
        by initiator: Initiator
    ) async throws -> ListingPage {
        try initiator.require(.read)
        try Self.checkWindow(limit: limit, offset: offset)
        let all = try await remoteUsers(application: name, options: options, by: initiator)
        let counts = Dictionary(grouping: all, by: \.status).mapValues(\.count)
        let kept = status.map { wanted in all.filter { $0.status == wanted } } ?? all
        return ListingPage(
            listedAt: Date(), matching: kept.count, counts: counts,
            users: Array(kept.dropFirst(offset).prefix(limit)))
    }

    /// The filter the options describe: the admin's filter and the search, both.
    static func filterText(_ options: Options) -> String? {
        var text = options.filter?.trimmingCharacters(in: .whitespaces).nonEmpty
        if let search = options.search?.trimmingCharacters(in: .whitespaces).nonEmpty {
            let quoted = SCIMFilter.quote(search)
            let searchFilter = ["userName", "emails", "displayName", "name.givenName", "name.familyName"]
                .map { "\($0) co \(quoted)" }.joined(separator: " or ")
            text = text.map { "(\($0)) and (\(searchFilter))" } ?? searchFilter
        }
        return text
    }
}
