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

    /// Every user matching `query`, a page at a time, fetched only as the caller asks.
    public func userPages(_ query: UserQuery, config: ServiceProviderConfig) -> UserPages {
        UserPages(pages: ResourcePages(client: self, path: "/Users", query: query, config: config))
    }

    /// Every resource of `path` matching `query`, a page at a time.
    public func pages(_ path: String, _ query: UserQuery, config: ServiceProviderConfig) -> ResourcePages {
        ResourcePages(client: self, path: path, query: query, config: config)
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

/// The pages of a listing, tolerant of what real providers do: pages smaller than asked, a
/// missing or wrong `totalResults`, a provider that ignores `startIndex`.
///
/// Paging ends on an empty page, a page with nothing new, or the end of the cursors; never on
/// `totalResults` alone, which would lose resources whenever a provider miscounts.
public struct ResourcePages: AsyncSequence, Sendable {
    public typealias Element = [JSONValue]
    let client: SCIMClient
    let path: String
    let query: UserQuery
    let config: ServiceProviderConfig

    public func makeAsyncIterator() -> Iterator {
        Iterator(
            client: client, path: path, query: query, pageSize: config.pageSize(wanted: query.pageSize),
            mode: config.cursorPagination ? .cursor(nil) : .index(1))
    }

    public struct Iterator: AsyncIteratorProtocol {
        enum Mode {
            case index(Int)
            case cursor(String?)
            case done
        }
        let client: SCIMClient
        let path: String
        let query: UserQuery
        let pageSize: Int
        var mode: Mode
        var seen: Set<String> = []
        /// Resources received so far, with or without an id.
        var listed = 0

        public mutating func next() async throws -> [JSONValue]? {
            let page: ListResponse
            switch mode {
            case .done:
                return nil
            case .index(let start):
                page = try await client.list(path, startIndex: start, count: pageSize, query: query)
                mode = page.resources.isEmpty ? .done : .index(start + page.resources.count)
            case .cursor(let cursor):
                page = try await client.list(path, cursor: cursor, count: pageSize, query: query)
                mode = page.nextCursor.map { .cursor($0) } ?? .done
            }
            listed += page.resources.count
            let cap = client.configuration.maxListedResources
            guard listed <= cap else {
                throw SCIMClientError(
                    .unexpectedResponse,
                    "the listing did not end after \(listed) resources, more than the \(cap) Roster reads from one "
                        + "provider: it keeps sending new ones",
                    url: client.baseURL + path)
            }
            var fresh: [JSONValue] = []
            for resource in page.resources {
                if let id = resource["id"]?.text {
                    guard seen.insert(id).inserted else { continue }
                }
                fresh.append(resource)
            }
            if fresh.isEmpty {
                // A provider that repeats its last page instead of answering empty ends here.
                mode = .done
                return nil
            }
            return fresh
        }
    }
}

/// The pages of a user listing (see ``ResourcePages``), read as users.
public struct UserPages: AsyncSequence, Sendable {
    public typealias Element = [SCIMUser]
    let pages: ResourcePages

    public func makeAsyncIterator() -> Iterator { Iterator(inner: pages.makeAsyncIterator()) }

    public struct Iterator: AsyncIteratorProtocol {
        var inner: ResourcePages.Iterator
        public mutating func next() async throws -> [SCIMUser]? {
            try await inner.next()?.map(SCIMUser.init(json:))
        }
    }
}
