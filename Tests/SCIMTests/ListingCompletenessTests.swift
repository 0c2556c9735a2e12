import Foundation
import Synchronization
import Testing

@testable import SCIM

/// A provider whose listings misbehave as real ones do: pages of at most 100; it may ignore or refuse
/// `startIndex`, take RFC 9865 cursors or not, and send any `totalResults` (or none).
final class CursorProvider: SCIMTransport {
    enum Start { case honoured, ignored, refused }
    let users: [JSONValue]
    let start: Start
    let cursors: Bool
    let total: JSONValue?
    let asked = Mutex<[String]>([])

    init(users: Int, start: Start, cursors: Bool, total: JSONValue? = nil) {
        self.users = (1...users).map { .object(["id": .string("u\($0)"), "userName": .string("user\($0)")]) }
        self.start = start
        self.cursors = cursors
        self.total = total ?? .number(Double(users))
    }

    var queries: [String] { asked.withLock { $0 } }

    func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> SCIMHTTPResponse {
        let components = URLComponents(string: request.url)!
        asked.withLock { $0.append(components.percentEncodedQuery ?? "") }
        let items = components.queryItems ?? []
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        let count = min(Int(value("count") ?? "100") ?? 100, 100)
        var body: [String: JSONValue] = [:]
        if let total { body["totalResults"] = total }
        if cursors, items.contains(where: { $0.name == "cursor" }) {
            let offset = Int(value("cursor") ?? "") ?? 0
            let page = Array(users.dropFirst(offset).prefix(count))
            body["Resources"] = .array(page)
            if offset + page.count < users.count { body["nextCursor"] = .string(String(offset + page.count)) }
            return SCIMHTTPResponse(status: 200, body: Array(try JSONEncoder().encode(JSONValue.object(body))))
        }
        if value("startIndex") != nil, start == .refused { return SCIMHTTPResponse(status: 400, body: []) }
        let first = start == .honoured ? max(1, Int(value("startIndex") ?? "1") ?? 1) : 1
        body["Resources"] = .array(Array(users.dropFirst(first - 1).prefix(count)))
        return SCIMHTTPResponse(status: 200, body: Array(try JSONEncoder().encode(JSONValue.object(body))))
    }
}

@Suite struct ListingCompletenessTests {
    func list(_ provider: CursorProvider, memory: ListingMemory = .init()) async throws -> [String] {
        let client = SCIMClient(
            baseURL: "https://sp.test/scim", authentication: .none, transport: provider,
            configuration: .init(maxRetries: 0), listing: memory)
        var ids: [String] = []
        for try await page in client.userPages(UserQuery(pageSize: 1000), config: ServiceProviderConfig()) {
            ids += page.compactMap(\.id)
        }
        return ids
    }

    @Test(arguments: [CursorProvider.Start.ignored, .refused])
    func aProviderThatPagesOnlyByCursorIsReadWholeByCursorAndRemembered(_ start: CursorProvider.Start) async throws {
        // setup
        let provider = CursorProvider(users: 250, start: start, cursors: true)
        let memory = ListingMemory()
        // MUT
        let ids = try await list(provider, memory: memory)
        // validate: each user once, and the next listing goes by cursor from its first request
        #expect(ids.count == 250 && Set(ids).count == 250)
        #expect(memory.fallbacks.pagesByCursor)
        let before = provider.queries.count
        #expect(try await list(provider, memory: memory).count == 250)
        #expect(provider.queries[before].hasPrefix("cursor"), "\(provider.queries[before...])")
    }

    @Test func aProviderRefusingStartIndexWithoutATotalIsAskedForACursorAndReadWhole() async throws {
        // A cursor-only provider that sends no totalResults: the first page cannot say it is all.
        let cursors = CursorProvider(users: 250, start: .refused, cursors: true, total: .null)
        let ids = try await list(cursors)
        #expect(ids.count == 250 && Set(ids).count == 250, "\(cursors.queries)")
        // One that takes no cursor either answers the same page again: what it sent is the listing.
        let plain = CursorProvider(users: 60, start: .refused, cursors: false, total: .null)
        #expect(try await list(plain).count == 60)
    }

    @Test func aProviderThatNeitherPagesNorTakesCursorsFailsSayingWhatItDidAndHowManyWereRead() async throws {
        let provider = CursorProvider(users: 250, start: .ignored, cursors: false)
        await #expect(throws: SCIMClientError.self) { _ = try await list(provider) }
        do { _ = try await list(provider) } catch let error as SCIMClientError {
            #expect(error.message.contains("repeated users already listed at startIndex=101"))
            #expect(error.message.contains("read 100 of its 250 users"))
        }
    }

    @Test func aTotalThatDoesNotAddUpFailsAndOneBelowWhatCameIsNoLoss() async throws {
        let high = CursorProvider(users: 250, start: .honoured, cursors: false, total: .number(750))
        await #expect(throws: SCIMClientError.self) { _ = try await list(high) }
        let low = CursorProvider(users: 250, start: .honoured, cursors: false, total: .number(10))
        #expect(try await list(low).count == 250)
        let none = CursorProvider(users: 250, start: .honoured, cursors: false, total: .null)
        #expect(try await list(none).count == 250)
    }

    @Test(arguments: [-9_223_372_036_854_775_808.0, 9.3e18, -1, 0.5, 1e300])
    func anyTotalAProviderSendsIsReadWithoutATrap(_ total: Double) async throws {
        // A total no listing can reach fails as short; one below what came is no loss; none traps.
        let provider = CursorProvider(users: 150, start: .honoured, cursors: false, total: .number(total))
        do {
            #expect(try await list(provider).count == 150)
        } catch let error as SCIMClientError {
            #expect(error.message.contains("the listing is incomplete"))
        }
    }
}
