import Foundation

/// The order of a sorted listing (RFC 7644 §3.4.2.3).
public enum SCIMSortOrder: String, Sendable {
    case ascending, descending
}

/// What to list: an optional provider-side filter and sort, and the page size to ask for.
public struct UserQuery: Sendable {
    public var filter: String?
    public var sortBy: String?
    public var sortOrder: SCIMSortOrder
    public var pageSize: Int

    /// The largest page Roster asks for; a provider's `filter.maxResults` may lower it.
    public static let largestPage = 1_000

    public init(
        filter: String? = nil, sortBy: String? = nil, sortOrder: SCIMSortOrder = .ascending, pageSize: Int = 100
    ) {
        self.filter = filter
        self.sortBy = sortBy
        self.sortOrder = sortOrder
        self.pageSize = pageSize
    }
}

extension SCIMClient {
    /// Reads `/ServiceProviderConfig`. A provider without one gets RFC 7644's minimum.
    public func serviceProviderConfig() async throws -> ServiceProviderConfig {
        do {
            return ServiceProviderConfig(json: try await send(.GET, "/ServiceProviderConfig").body)
        } catch let error as SCIMClientError where error.kind == .notFound {
            return ServiceProviderConfig()
        }
    }

    public func user(id: String) async throws -> SCIMUser {
        SCIMUser(json: try await send(.GET, "/Users/\(Self.pathComponent(id))").body)
    }

    /// One page of users by index (RFC 7644 §3.4.2.4).
    public func listUsers(startIndex: Int, count: Int, query: UserQuery) async throws -> ListResponse {
        try await list("/Users", startIndex: startIndex, count: count, query: query)
    }

    /// One page of `path` (`/Users`, `/Groups`) by index.
    public func list(_ path: String, startIndex: Int, count: Int, query: UserQuery) async throws -> ListResponse {
        var parameters: [(String, String?)] = [("startIndex", String(startIndex)), ("count", String(count))]
        parameters += Self.queryParameters(query)
        return try ListResponse(json: try await send(.GET, path, query: parameters).body)
    }

    /// One page of `path` by cursor (RFC 9865); `cursor` nil asks for the first page.
    public func list(_ path: String, cursor: String?, count: Int, query: UserQuery) async throws -> ListResponse {
        var parameters: [(String, String?)] = [("cursor", cursor), ("count", String(count))]
        parameters += Self.queryParameters(query)
        return try ListResponse(json: try await send(.GET, path, query: parameters).body)
    }

    /// Pages a listing keeps on their way at most (``ResourcePages``).
    public static let maxPagesInFlight = 4

    /// Every user matching `query`, a page at a time, fetched only as the caller asks.
    ///
    /// - Parameter raw: keep each user's resource as sent (``SCIMUser/raw``), for filtering,
    ///   sorting or patching it; without, pages are read straight into users, skipping what
    ///   Roster does not map, which is what an import of many users wants.
    public func userPages(_ query: UserQuery, config: ServiceProviderConfig, raw: Bool = true) -> UserPages {
        if raw {
            return UserPages(
                client: self, path: "/Users", query: query, config: config,
                decode: { bytes, status, url in
                    let page = try Self.jsonPage(bytes, status: status, url: url)
                    return ListPage(
                        totalResults: page.totalResults, resources: page.resources.map(SCIMUser.init(json:)),
                        nextCursor: page.nextCursor)
                }, id: \.id, json: \.raw)
        }
        return UserPages(
            client: self, path: "/Users", query: query, config: config, decode: UserPageDecoding.page, id: \.id,
            json: nil)
    }

    /// Every resource of `path` matching `query`, a page at a time.
    public func pages(_ path: String, _ query: UserQuery, config: ServiceProviderConfig) -> ResourcePages<JSONValue> {
        ResourcePages(
            client: self, path: path, query: query, config: config, decode: Self.jsonPage, id: { $0["id"]?.text },
            json: { $0 })
    }

    static func jsonPage(_ bytes: [UInt8], status: Int, url: String) throws -> ListPage<JSONValue> {
        ListPage(try ListResponse(json: try json(bytes, status: status, url: url)))
    }

    static func queryParameters(_ query: UserQuery) -> [(String, String?)] {
        var parameters: [(String, String?)] = []
        if let filter = query.filter { parameters.append(("filter", filter)) }
        if let sortBy = query.sortBy {
            parameters.append(("sortBy", sortBy))
            parameters.append(("sortOrder", query.sortOrder.rawValue))
        }
        return parameters
    }

    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? id
    }
}

/// The pages of a user listing (see ``ResourcePages``), read as users.
public typealias UserPages = ResourcePages<SCIMUser>
