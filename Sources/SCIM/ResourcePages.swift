import Foundation

/// The pages of a listing, tolerant of what real providers do: pages smaller than asked, a
/// missing or wrong `totalResults`, a provider that ignores `startIndex`.
///
/// Paging ends on an empty page, a page with nothing new, or the end of the cursors; never on
/// `totalResults` alone, which would lose resources whenever a provider miscounts.
///
/// The next page is always on its way while the caller works on this one. When the provider
/// pages by index and reports `totalResults`, up to ``maxInFlight`` pages are fetched at once,
/// each at the index where the pages before it end if they come back full; a page that comes
/// back short (or long) drops the guesses after it, so every page used was asked for at exactly
/// the index where the one before it ended. A 429 halves the pages in flight.
public struct ResourcePages<Resource: Sendable>: AsyncSequence, Sendable {
    public typealias Element = [Resource]
    let client: SCIMClient
    let path: String
    let query: UserQuery
    let config: ServiceProviderConfig
    /// How a page's body becomes resources, and a resource's id.
    let decode: @Sendable ([UInt8], _ status: Int, _ url: String) throws -> ListPage<Resource>
    let id: @Sendable (Resource) -> String?

    public func makeAsyncIterator() -> Iterator {
        Iterator(
            pages: self, pageSize: config.pageSize(wanted: query.pageSize),
            mode: config.cursorPagination ? .cursor(nil) : .index(1))
    }

    public struct Iterator: AsyncIteratorProtocol {
        enum Mode {
            case index(Int)
            case cursor(String?)
            case done
        }
        let pages: ResourcePages
        var client: SCIMClient { pages.client }
        var path: String { pages.path }
        var pageSize: Int
        var mode: Mode
        var seen: Set<SeenId> = []
        /// Resources received so far, with or without an id.
        var listed = 0
        /// What the first page said; used only to decide how far to fetch ahead.
        var total: Int?
        var window = SCIMClient.maxPagesInFlight
        /// How many resources a page brings: the page size asked for, until the provider shows it
        /// serves fewer (many cap pages silently); the guesses ahead step by this.
        var stride: Int
        var throttled = 0
        let ahead = Ahead()

        init(pages: ResourcePages, pageSize: Int, mode: Mode) {
            self.pages = pages
            self.pageSize = pageSize
            self.stride = pageSize
            self.mode = mode
            throttled = pages.client.throttled
        }

        public mutating func next() async throws -> [Resource]? {
            let page: ListPage<Resource>
            switch mode {
            case .done:
                return nil
            case .index(let start):
                page = try await indexPage(start)
                mode = page.resources.isEmpty ? .done : .index(start + page.resources.count)
                total = total ?? page.totalResults
                if !page.resources.isEmpty, page.resources.count < stride { stride = page.resources.count }
                if case .index(let next) = mode { fetchAhead(from: next) }
            case .cursor(let cursor):
                let task = ahead.cursor.take(cursor) ?? fetch(cursor: cursor)
                page = try await task.value
                mode = page.nextCursor.map { .cursor($0) } ?? .done
                if case .cursor(let next) = mode { ahead.cursor = .init(next, fetch(cursor: next)) }
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
            // The page as it came, unless it repeats a resource: copying each one cost more than reading it.
            let new = page.resources.map { resource in
                pages.id(resource).map { seen.insert(SeenId($0)).inserted } ?? true
            }
            let fresh =
                new.allSatisfy { $0 } ? page.resources : zip(page.resources, new).filter { $0.1 }.map { $0.0 }
            if fresh.isEmpty {
                // A provider that repeats its last page instead of answering empty ends here.
                mode = .done
                ahead.cancelAll()
                return nil
            }
            return fresh
        }

        /// The page at `start`, fetched ahead or now. A provider that refuses the first, large
        /// page (some cap `count` without saying so) is asked again with pages of 100.
        private mutating func indexPage(_ start: Int) async throws -> ListPage<Resource> {
            fetchAhead(from: start)
            let task = ahead.index.removeFirst().task
            do {
                return try await task.value
            } catch let error as SCIMClientError where error.status == 400 && start == 1 && pageSize > 100 {
                ahead.cancelAll()
                pageSize = 100
                stride = 100
                return try await pages.page(startIndex: start, count: pageSize)
            }
        }

        /// Makes sure the page at `start` and the guesses after it are on their way.
        private mutating func fetchAhead(from start: Int) {
            if let first = ahead.index.first, first.start != start { ahead.cancelAll() }
            let now = client.throttled
            if now > throttled {
                window = Swift.max(1, window / 2)
                throttled = now
            }
            var count = 1
            if let total {
                let remaining = total - (start - 1)
                count = Swift.max(1, Swift.min(window, (remaining + stride - 1) / stride))
            }
            var next = ahead.index.last.map { $0.start + stride } ?? start
            while ahead.index.count < count {
                let (pages, size, from) = (self.pages, pageSize, next)
                ahead.index.append((from, Task { try await pages.page(startIndex: from, count: size) }))
                next += stride
            }
        }

        private func fetch(cursor: String?) -> Task<ListPage<Resource>, any Error> {
            let (pages, size) = (self.pages, pageSize)
            return Task { try await pages.page(cursor: cursor, count: size) }
        }
    }

    /// One page by index (RFC 7644 §3.4.2.4).
    func page(startIndex: Int, count: Int) async throws -> ListPage<Resource> {
        var parameters: [(String, String?)] = [("startIndex", String(startIndex)), ("count", String(count))]
        parameters += SCIMClient.queryParameters(query)
        return try await client.send(.GET, path, query: parameters, decode: decode).body
    }

    /// One page by cursor (RFC 9865); nil asks for the first page.
    func page(cursor: String?, count: Int) async throws -> ListPage<Resource> {
        var parameters: [(String, String?)] = [("cursor", cursor), ("count", String(count))]
        parameters += SCIMClient.queryParameters(query)
        return try await client.send(.GET, path, query: parameters, decode: decode).body
    }

    /// Requests on their way; those nobody will read are cancelled when the listing is dropped.
    final class Ahead {
        var index: [(start: Int, task: Task<ListPage<Resource>, any Error>)] = []
        var cursor: CursorRequest?

        struct CursorRequest {
            let cursor: String?
            let task: Task<ListPage<Resource>, any Error>
            init(_ cursor: String?, _ task: Task<ListPage<Resource>, any Error>) {
                self.cursor = cursor
                self.task = task
            }
        }

        func cancelAll() {
            for request in index { request.task.cancel() }
            index.removeAll()
            cursor?.task.cancel()
            cursor = nil
        }

        deinit { cancelAll() }
    }
}

extension Optional {
    /// The request for `cursor`, if it is the one on its way.
    mutating func take<Resource>(_ cursor: String?) -> Task<ListPage<Resource>, any Error>?
    where Wrapped == ResourcePages<Resource>.Ahead.CursorRequest {
        defer { self = nil }
        guard let request = self, request.cursor == cursor else {
            self?.task.cancel()
            return nil
        }
        return request.task
    }
}

/// An id a listing has seen, kept small: a UUID written the canonical way (as most providers'
/// ids are) takes 16 bytes instead of a 36-character string, a tenth of the memory at 100,000.
/// Any other text is kept as it is, so two different ids never count as one.
enum SeenId: Hashable {
    case lower(UUID)
    case upper(UUID)
    case text(String)

    init(_ id: String) {
        switch UUID.parse(id) {
        case (let uuid, .lower)?: self = .lower(uuid)
        case (let uuid, .upper)?: self = .upper(uuid)
        default: self = .text(id)
        }
    }
}
