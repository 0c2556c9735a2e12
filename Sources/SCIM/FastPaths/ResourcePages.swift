import Foundation

/// The pages of a listing, tolerant of what real providers do: pages smaller than asked, a
/// missing or wrong `totalResults`, a provider that ignores `startIndex` or refuses a parameter.
///
/// A listing is complete only when Roster followed `nextCursor` to its end, or read `totalResults`
/// resources by index with no page repeating ids already seen, or (with no total) got an empty or
/// short page after full ones. A page that repeats ids, a total that does not add up, or a refused
/// `startIndex` makes Roster page by cursor (RFC 9865) when the provider takes it, then ask for
/// everything at once; a listing still short after that fails with an error that says what the
/// provider did and how many resources were read: never an import that "completes" with some.
///
/// The next page is always on its way while the caller works on this one. When the provider
/// pages by index and reports `totalResults`, up to ``maxInFlight`` pages are fetched at once,
/// each at the index where the pages before it end if they come back full; a page that comes
/// back short (or long) drops the guesses after it, so every page used was asked for at exactly
/// the index where the one before it ended. A 429 halves the pages in flight.
///
/// A provider that answers 400 or 500 to the first page is asked again without the optional
/// parameters it refuses (``ListingFallbacks``): a filter left out is applied to what arrives, a
/// `count` left out pages by what arrives, a `startIndex` refused or ignored asks for everything
/// at once. What is learned goes to the client's ``ListingMemory``.
public struct ResourcePages<Resource: Sendable>: AsyncSequence, Sendable {
    public typealias Element = [Resource]
    let client: SCIMClient
    let path: String
    let query: UserQuery
    let config: ServiceProviderConfig
    /// How a page's body becomes resources, and a resource's id.
    let decode: @Sendable ([UInt8], _ status: Int, _ url: String) throws -> ListPage<Resource>
    let id: @Sendable (Resource) -> String?
    /// A resource as the provider sent it, to filter here what a provider cannot; nil when
    /// resources are read without it (such a listing cannot have its filter left out).
    let json: (@Sendable (Resource) -> JSONValue)?

    public func makeAsyncIterator() -> Iterator {
        let known = client.listing.fallbacks
        let byCursor = config.cursorPagination || known.pagesByCursor
        return Iterator(
            pages: self, pageSize: config.pageSize(wanted: query.pageSize), omitted: known,
            mode: byCursor ? .cursor(nil) : known.contains(.startIndex) ? .whole : .index(1))
    }

    public struct Iterator: AsyncIteratorProtocol {
        enum Mode {
            case index(Int)
            case cursor(String?)
            /// One request without `startIndex` and `count`: the provider cannot page.
            case whole
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
        /// The parameters this listing leaves out, and the filter it applies itself.
        var omitted = ListingFallbacks()
        var localFilter: SCIMFilter?
        /// Why the listing is short, found at its last page: recovered after that page is handed out.
        var pendingGap: Gap?
        /// Whether the first request has been answered (only it is asked again without parameters).
        var answered = false
        /// Index pages read, and how many resources the first brought.
        var indexPages = 0
        var firstCount = 0
        /// Resources received without an id (they cannot repeat, and count towards the total).
        var withoutId = 0
        /// The fallbacks tried once a listing by index fell short.
        var triedCursor = false
        var triedWhole = false
        var pagedByCursor = false
        /// The cursors followed: one sent again means the provider's cursors went round.
        var followed: Set<String> = []
        var wentRound = false

        init(pages: ResourcePages, pageSize: Int, omitted: ListingFallbacks, mode: Mode) {
            self.pages = pages
            self.pageSize = pageSize
            self.stride = pageSize
            self.mode = mode
            self.omitted = omitted
            throttled = pages.client.throttled
        }

        public mutating func next() async throws -> [Resource]? {
            if !answered { try omit(omitted.dropped) }
            // A page whose every resource the local filter drops is not the end of the listing.
            while let fresh = try await nextFresh() {
                guard let localFilter, let json = pages.json else { return fresh }
                let kept = fresh.filter { localFilter.matches(json($0)) }
                if !kept.isEmpty { return kept }
            }
            return nil
        }

        /// The next page's resources not seen before; nil at the end of a complete listing.
        private mutating func nextFresh() async throws -> [Resource]? {
            while true {
                if case .done = mode {
                    guard let gap = pendingGap else { return nil }
                    pendingGap = nil
                    let more = try await recover(gap)
                    if !more.isEmpty { return more }
                    continue
                }
                let page: ListPage<Resource>
                var start = 1
                switch mode {
                case .done:
                    continue
                case .index(let at):
                    start = at
                    page = try await indexPage(start)
                    indexPages += 1
                    if indexPages == 1 { firstCount = page.resources.count }
                    total = total ?? Self.count(page.totalResults)
                    let next = Self.adding(start, page.resources.count)
                    if page.resources.isEmpty || omitted.contains(.startIndex) || next == nil {
                        mode = .done
                    } else if let next {
                        mode = .index(next)
                    }
                    // Without startIndex or a total, one page cannot say it is the whole listing: a cursor
                    // can. One the page offers is followed; else one is asked for, once (RFC 9865), and
                    // the listing is complete where the provider's cursors end.
                    if omitted.contains(.startIndex), !page.resources.isEmpty, total == nil, !triedCursor {
                        mode = .cursor(page.nextCursor)
                        if page.nextCursor != nil { pagedByCursor = true }
                    }
                    if !page.resources.isEmpty, page.resources.count < stride { stride = page.resources.count }
                    if case .index(let next) = mode { fetchAhead(from: next) }
                case .cursor(let cursor):
                    pagedByCursor = true
                    triedCursor = true
                    if let cursor { followed.insert(cursor) }
                    let task = ahead.cursor.take(cursor) ?? fetch(cursor: cursor)
                    page = try await answer(task, parameters: cursorParameters(cursor))
                    total = total ?? Self.count(page.totalResults)
                    mode = page.nextCursor.map { .cursor($0) } ?? .done
                    // A cursor already followed: the provider's cursors go round, and would for ever.
                    if case .cursor(let next?) = mode, followed.contains(next) {
                        mode = .done
                        wentRound = true
                    }
                    if case .cursor(let next) = mode { ahead.cursor = .init(next, fetch(cursor: next)) }
                case .whole:
                    mode = .done
                    let parameters = wholeParameters()
                    let pages = self.pages
                    page = try await answer(Task { try await pages.page(parameters) }, parameters: parameters)
                    total = total ?? Self.count(page.totalResults)
                }
                let fresh = try take(page)
                if byCursor {
                    // Followed to the end of the cursors: complete, unless the provider's own total says
                    // more or its cursors went round. A page of repeats is skipped.
                    if case .done = mode { pendingGap = cursorShortfall() }
                    if !fresh.isEmpty { return fresh }
                    continue
                }
                if fresh.isEmpty, !page.resources.isEmpty {
                    // A page with nothing new: the provider repeats a page instead of paging on.
                    ahead.cancelAll()
                    mode = .done
                    pendingGap = shortfall(ending: page, repeated: start)
                    continue
                }
                if case .done = mode { pendingGap = shortfall(ending: page, repeated: nil) }
                if !fresh.isEmpty { return fresh }
            }
        }

        /// Whether the listing goes by cursor: complete when the cursors end.
        private var byCursor: Bool { pagedByCursor }

        /// Why a listing by index that ends at `page` is not complete; nil when it is. `repeated` is the
        /// index of a page that brought only resources already listed.
        private func shortfall(ending page: ListPage<Resource>, repeated: Int?) -> Gap? {
            let read = seen.count + withoutId
            if let total { return read >= total ? nil : Gap(read: read, total: total, repeatedAt: repeated) }
            // No total: complete at an empty or short page after full ones, never at a repeated page.
            return repeated.map { Gap(read: read, total: nil, repeatedAt: $0) }
        }

        /// Why a listing by cursor that ended is not complete: its cursors went round, or it read fewer
        /// than the provider's own `totalResults`; nil when it is.
        private func cursorShortfall() -> Gap? {
            let read = seen.count + withoutId
            if let total, read >= total { return nil }
            guard wentRound || total != nil else { return nil }
            return Gap(read: read, total: total, repeatedAt: nil, byCursor: true, wentRound: wentRound)
        }

        /// A listing by index fell short: by cursor if the provider takes one, then everything at once.
        /// Answers what that brings (the listing goes on by cursor, or is complete), or throws an error
        /// that says what the provider did.
        private mutating func recover(_ gap: Gap) async throws -> [Resource] {
            if !triedCursor {
                triedCursor = true
                if let page = try? await pages.page(cursorParameters(nil)) {
                    let fresh = try take(page)
                    if let next = page.nextCursor {
                        mode = .cursor(next)
                        pagedByCursor = true
                        ahead.cursor = .init(next, fetch(cursor: next))
                        await client.listing.learnCursor()
                        return fresh
                    }
                    if let total, seen.count + withoutId >= total { return fresh }
                }
            }
            if !triedWhole {
                triedWhole = true
                let before = seen.count + withoutId
                let fresh = try take(try await pages.page(wholeParameters()))
                let read = seen.count + withoutId
                if total.map({ read >= $0 }) ?? (read > before) {
                    if let start = gap.repeatedAt, !omitted.contains(.startIndex) {
                        let learned: [ListingParameter: String] = [
                            .startIndex: "ignored: the page at startIndex=\(start) repeated users already listed",
                            .count: ResourcePages.countWithStart,
                        ]
                        try omit(learned)
                        await client.listing.learn(learned)
                    }
                    return fresh
                }
            }
            throw gap.error(read: seen.count + withoutId, url: client.baseURL + path, omitted: omitted)
        }

        /// A count a provider sent, if it is one: a negative `totalResults` is no total.
        static func count(_ value: Int?) -> Int? { value.flatMap { $0 >= 0 ? $0 : nil } }

        /// `start + count`, or nil past what an index can be.
        static func adding(_ start: Int, _ count: Int) -> Int? {
            let (sum, overflow) = start.addingReportingOverflow(count)
            return overflow ? nil : sum
        }

        /// Counts a page in and returns what it brings that was not seen before.
        private mutating func take(_ page: ListPage<Resource>) throws -> [Resource] {
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
            var unnamed = 0
            let new = page.resources.map { resource in
                guard let id = pages.id(resource) else {
                    unnamed += 1
                    return true
                }
                return seen.insert(SeenId(id)).inserted
            }
            withoutId += unnamed
            return new.allSatisfy { $0 } ? page.resources : zip(page.resources, new).filter { $0.1 }.map { $0.0 }
        }

        /// The page at `start`, fetched ahead or now.
        private mutating func indexPage(_ start: Int) async throws -> ListPage<Resource> {
            fetchAhead(from: start)
            let task = ahead.index.removeFirst().task
            return try await answer(task, parameters: indexParameters(start))
        }

        /// The answer to a request; the first request, refused, is asked again without what the
        /// provider refuses. A provider that refuses a large first page (some cap `count` without
        /// saying so) is first asked for pages of 100.
        private mutating func answer(_ task: Task<ListPage<Resource>, any Error>, parameters: [(String, String?)])
            async throws -> ListPage<Resource>
        {
            guard !answered else { return try await task.value }
            answered = true
            var failure: SCIMClientError
            do {
                return try await task.value
            } catch let error as SCIMClientError where ResourcePages.mayRefuseParameter(error) {
                failure = error
            }
            ahead.cancelAll()
            var parameters = parameters
            if failure.status == 400, pageSize > 100, parameters.contains(where: { $0.0 == "count" }) {
                pageSize = 100
                stride = 100
                parameters = parameters.map { $0.0 == "count" ? ("count", "100") : $0 }
                do {
                    return try await pages.page(parameters)
                } catch let error as SCIMClientError where ResourcePages.mayRefuseParameter(error) {
                    failure = error
                }
            }
            let adapted = try await pages.adapting(parameters, after: failure)
            try omit(adapted.refused)
            await client.listing.learn(adapted.refused)
            return adapted.page
        }

        /// Leaves parameters out from now on; a filter left out is applied here to what arrives.
        private mutating func omit(_ dropped: [ListingParameter: String]) throws {
            omitted.dropped.merge(dropped) { old, _ in old }
            guard omitted.contains(.filter), localFilter == nil, let text = pages.query.filter else { return }
            guard pages.json != nil else {
                throw SCIMClientError(
                    .invalidConfiguration,
                    "the service provider refuses filter (\(omitted.summary)), and this listing cannot filter "
                        + "what arrives", url: client.baseURL + path)
            }
            do {
                localFilter = try SCIMFilter(parsing: text)
            } catch {
                throw SCIMClientError(
                    .invalidConfiguration,
                    "the service provider refuses filter, and Roster cannot read \"\(text)\" to filter itself: "
                        + "\(error)",
                    url: client.baseURL + path)
            }
        }

        private func indexParameters(_ start: Int, count: Int? = nil) -> [(String, String?)] {
            let parameters = [("startIndex", String(start)), ("count", String(count ?? pageSize))]
            return omitted.applied(to: parameters + SCIMClient.queryParameters(pages.query))
        }

        private func cursorParameters(_ cursor: String?) -> [(String, String?)] {
            let parameters: [(String, String?)] = [("cursor", cursor), ("count", String(pageSize))]
            return omitted.applied(to: parameters + SCIMClient.queryParameters(pages.query))
        }

        private func wholeParameters() -> [(String, String?)] {
            omitted.applied(to: SCIMClient.queryParameters(pages.query))
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
            if let total, stride > 0 {
                // total and start are checked counts (non-negative, positive).
                let remaining = Swift.max(0, CheckedNumber.subtract(total, start - 1) ?? 0)  // bounded: start ≥ 1
                count = Swift.max(1, Swift.min(window, remaining / stride + (remaining % stride == 0 ? 0 : 1)))
            }
            var next = ahead.index.last.flatMap { Self.adding($0.start, stride) } ?? start
            while ahead.index.count < count {
                let (pages, from, parameters) = (self.pages, next, indexParameters(next))
                ahead.index.append((from, Task { try await pages.page(parameters) }))
                guard let after = Self.adding(next, stride) else { break }
                next = after
            }
        }

        private func fetch(cursor: String?) -> Task<ListPage<Resource>, any Error> {
            let (pages, parameters) = (self.pages, cursorParameters(cursor))
            return Task { try await pages.page(parameters) }
        }
    }

    /// One page as `parameters` ask (RFC 7644 §3.4.2.4, RFC 9865).
    func page(_ parameters: [(String, String?)]) async throws -> ListPage<Resource> {
        try await client.send(.GET, path, query: parameters, decode: decode).body
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

/// How a listing by index fell short of complete.
struct Gap: Sendable {
    /// Resources read when it fell short.
    var read: Int
    var total: Int?
    /// The index of a page that brought only resources already listed.
    var repeatedAt: Int?
    /// It paged by cursor; its cursors went round (a `nextCursor` already followed).
    var byCursor = false
    var wentRound = false

    /// What the provider did, how many were read, and that Roster stops rather than go on with some.
    func error(read: Int, url: String, omitted: ListingFallbacks) -> SCIMClientError {
        let did: String
        if wentRound {
            did = "sent a nextCursor it had sent before, so its cursors go round"
        } else if byCursor, let total {
            did = "said it has \(total) users, but its cursors ended after \(self.read)"
        } else if let start = repeatedAt {
            did = "repeated users already listed at startIndex=\(start) (it ignores startIndex)"
        } else if let refused = omitted.dropped[.startIndex] {
            did = "refuses startIndex (\(refused))"
        } else if let total {
            did = "said it has \(total) users, but its pages ended after \(self.read)"
        } else {
            did = "ended its listing early"
        }
        let of = total.map { " of its \($0)" } ?? ""
        return SCIMClientError(
            .unexpectedResponse,
            "the listing is incomplete: the service provider \(did), and "
                + (byCursor ? "does not list all at once either" : "pages neither by cursor (RFC 9865) nor all at once")
                + ". Roster read \(read)\(of) users and stops rather than go on as if that were all of them",
            url: url)
    }
}
