extension SCIMClient {
    /// What a connection test learns of a provider's user listing.
    public struct ListingProbe: Sendable {
        public var totalUsers: Int?
        public var fallbacks: ListingFallbacks
    }

    /// Tries each form of a user listing Roster sends: a page by index and `count`, and, when the
    /// provider announces them, a filter and a sort; then a second page, to see that `startIndex` is
    /// honoured. What fails is left out as a listing leaves it out (``ResourcePages``), starting from
    /// nothing known, so a provider that was fixed is trusted again.
    public func probeListing(_ config: ServiceProviderConfig) async throws -> ListingProbe {
        let pages = self.pages("/Users", UserQuery(), config: config)
        var refused: [ListingParameter: String] = [:]
        func ask(_ parameters: [(String, String?)]) async throws -> ListPage<JSONValue> {
            let asked = ListingFallbacks(dropped: refused).applied(to: parameters)
            do {
                return try await pages.page(asked)
            } catch let error as SCIMClientError where ResourcePages<JSONValue>.mayRefuseParameter(error) {
                let adapted = try await pages.adapting(asked, after: error)
                refused.merge(adapted.refused) { old, _ in old }
                return adapted.page
            }
        }
        let byCursor = config.cursorPagination && !config.indexPagination
        let firstPage: [(String, String?)] =
            byCursor ? [("cursor", nil), ("count", "2")] : [("startIndex", "1"), ("count", "2")]
        let first = try await ask(firstPage)
        if config.filterSupported, let userName = first.resources.first?["userName"]?.text {
            _ = try await ask(firstPage + [("filter", "userName eq \(SCIMFilter.quote(userName))")])
        }
        if config.sortSupported {
            _ = try await ask(firstPage + [("sortBy", "userName"), ("sortOrder", "ascending")])
        }
        if !byCursor, refused[.startIndex] == nil, first.resources.count >= 2, let id = first.resources[0]["id"]?.text {
            let second = try await ask([("startIndex", "2"), ("count", "1")])
            if second.resources.first?["id"]?.text == id {
                refused[.startIndex] = "ignored: the page at startIndex=2 repeated the first page"
                refused[.count] = refused[.count] ?? ResourcePages<JSONValue>.countWithStart
            }
        }
        return ListingProbe(totalUsers: first.totalResults, fallbacks: ListingFallbacks(dropped: refused))
    }
}
