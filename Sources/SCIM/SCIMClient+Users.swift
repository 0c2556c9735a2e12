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

    public init(filter: String? = nil, sortBy: String? = nil, sortOrder: SCIMSortOrder = .ascending, pageSize: Int = 100) {
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

    /// One page by index (RFC 7644 §3.4.2.4).
    public func listUsers(startIndex: Int, count: Int, query: UserQuery) async throws -> ListResponse {
        var parameters: [(String, String?)] = [("startIndex", String(startIndex)), ("count", String(count))]
        parameters += Self.queryParameters(query)
        return try ListResponse(json: try await send(.GET, "/Users", query: parameters).body)
    }

    /// One page by cursor (RFC 9865); `cursor` nil asks for the first page.
    public func listUsers(cursor: String?, count: Int, query: UserQuery) async throws -> ListResponse {
        var parameters: [(String, String?)] = [("cursor", cursor), ("count", String(count))]
        parameters += Self.queryParameters(query)
        return try ListResponse(json: try await send(.GET, "/Users", query: parameters).body)
    }

    /// Every user matching `query`, a page at a time, fetched only as the caller asks.
    public func userPages(_ query: UserQuery, config: ServiceProviderConfig) -> UserPages {
        UserPages(client: self, query: query, config: config)
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

import Foundation

/// The pages of a user listing, tolerant of what real providers do: pages smaller than
/// asked, a missing or wrong `totalResults`, a provider that ignores `startIndex`.
///
/// Paging ends on an empty page, a page with nothing new, or the end of the cursors; never on
/// `totalResults` alone, which would lose users whenever a provider miscounts.
public struct UserPages: AsyncSequence, Sendable {
    public typealias Element = [SCIMUser]
    let client: SCIMClient
    let query: UserQuery
    let config: ServiceProviderConfig

    public func makeAsyncIterator() -> Iterator {
        let useCursor = config.cursorPagination && (query.pageSize > 0)
        return Iterator(client: client, query: query, pageSize: config.pageSize(wanted: query.pageSize),
                        mode: useCursor ? .cursor(nil) : .index(1))
    }

    public struct Iterator: AsyncIteratorProtocol {
        enum Mode { case index(Int), cursor(String?), done }
        let client: SCIMClient
        let query: UserQuery
        let pageSize: Int
        var mode: Mode
        var seen: Set<String> = []

        public mutating func next() async throws -> [SCIMUser]? {
            let page: ListResponse
            switch mode {
            case .done:
                return nil
            case .index(let start):
                page = try await client.listUsers(startIndex: start, count: pageSize, query: query)
                mode = page.resources.isEmpty ? .done : .index(start + page.resources.count)
            case .cursor(let cursor):
                page = try await client.listUsers(cursor: cursor, count: pageSize, query: query)
                mode = page.nextCursor.map { .cursor($0) } ?? .done
            }
            var users: [SCIMUser] = []
            for resource in page.resources {
                let user = SCIMUser(json: resource)
                if let id = user.id {
                    guard seen.insert(id).inserted else { continue }
                }
                users.append(user)
            }
            if users.isEmpty {
                // A provider that repeats its last page instead of answering empty ends here.
                mode = .done
                return nil
            }
            return users
        }
    }
}
