import Foundation
import Synchronization
import Testing

@testable import SCIM

/// A provider that breaks on some listing parameters, as real ones do: each refused parameter
/// answers its status; `ignoresStart` serves every page from the first user; without `count` it
/// serves `defaultCount` users (all when nil), with it at most `cap`.
final class PickyProvider: SCIMTransport {
    let users: [JSONValue]
    let refuses: [String: Int]
    let ignoresStart: Bool
    let cap: Int
    let defaultCount: Int?
    let failFirst: Int
    let asked = Mutex<[String]>([])

    init(
        users: Int, refuses: [String: Int] = [:], ignoresStart: Bool = false, cap: Int = 100,
        defaultCount: Int? = nil, failFirst: Int = 0
    ) {
        self.users = (1...users).map { i in
            .object(["id": .string("u\(i)"), "userName": .string(String(format: "user%04d", i))])
        }
        self.refuses = refuses
        self.ignoresStart = ignoresStart
        self.cap = cap
        self.defaultCount = defaultCount
        self.failFirst = failFirst
    }

    var queries: [String] { asked.withLock { $0 } }

    func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> SCIMHTTPResponse {
        let components = URLComponents(string: request.url)!
        let items = components.queryItems ?? []
        let n = asked.withLock {
            $0.append(components.percentEncodedQuery ?? "")
            return $0.count
        }
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        if n <= failFirst { return SCIMHTTPResponse(status: 500, body: []) }
        for item in items { if let status = refuses[item.name] { return SCIMHTTPResponse(status: status, body: []) } }
        var list = users
        if let text = value("filter") { list = list.filter { (try? SCIMFilter(parsing: text))!.matches($0) } }
        if value("sortOrder") == "descending" { list.reverse() }
        let start = ignoresStart ? 1 : Int(value("startIndex") ?? "1") ?? 1
        let count = value("count").map { min(Int($0) ?? 0, cap) } ?? defaultCount ?? list.count
        let page = Array(list.dropFirst(start - 1).prefix(count))
        let body = JSONValue.object(["totalResults": .number(Double(list.count)), "Resources": .array(page)])
        return SCIMHTTPResponse(status: 200, body: Array(try JSONEncoder().encode(body)))
    }
}

@Suite struct ListingFallbackTests {
    func client(_ provider: PickyProvider, memory: ListingMemory = .init()) -> SCIMClient {
        SCIMClient(
            baseURL: "https://sp.test/scim", authentication: .none, transport: provider,
            configuration: .init(maxRetries: 0), listing: memory)
    }

    func userNames(_ client: SCIMClient, _ query: UserQuery) async throws -> [String] {
        var names: [String] = []
        for try await page in client.userPages(query, config: ServiceProviderConfig()) {
            names += page.compactMap(\.userName)
        }
        return names
    }

    static func names(_ range: ClosedRange<Int>) -> [String] { range.map { String(format: "user%04d", $0) } }

    @Test func aProviderBrokenOnCountSortAndFilterThatIgnoresStartIndexStillListsEveryMatchingUserOnce() async throws {
        let provider = PickyProvider(
            users: 250, refuses: ["count": 500, "sortBy": 400, "filter": 500], ignoresStart: true)
        let remembered = Mutex<[ListingFallbacks]>([])
        let client = client(provider, memory: ListingMemory { learned in remembered.withLock { $0.append(learned) } })
        let query = UserQuery(filter: #"userName sw "user01""#, sortBy: "userName", pageSize: 100)
        let names = try await userNames(client, query)
        #expect(names == Self.names(100...199))
        let learned = client.listing.fallbacks
        #expect(learned.dropped[.count] == "HTTP 500" && learned.dropped[.filter] == "HTTP 500")
        #expect(learned.dropped[.sortBy] == "HTTP 400" && learned.dropped[.attributes] == nil)
        #expect(remembered.withLock { $0.last } == learned)
    }

    @Test func aSecondListingAsksOnlyWhatWorksFromTheFirstRequest() async throws {
        let provider = PickyProvider(users: 250, refuses: ["count": 500, "sortBy": 400, "filter": 500])
        let memory = ListingMemory()
        _ = try await userNames(
            client(provider, memory: memory), UserQuery(filter: #"userName pr"#, sortBy: "userName"))
        let before = provider.queries.count
        let names = try await userNames(client(provider, memory: memory), UserQuery(filter: #"userName eq "user0007""#))
        #expect(names == ["user0007"])
        let later = provider.queries.dropFirst(before)
        #expect(!later.contains { $0.contains("count=") || $0.contains("filter=") || $0.contains("sortBy=") })
        #expect(later.first == "startIndex=1")
    }

    @Test func aProviderThatIgnoresStartIndexIsAskedOnceForEverythingAndThatIsRemembered() async throws {
        let provider = PickyProvider(users: 250, ignoresStart: true)
        let memory = ListingMemory()
        let names = try await userNames(client(provider, memory: memory), UserQuery(pageSize: 1_000))
        #expect(names == Self.names(1...250))
        #expect(memory.fallbacks.dropped[.startIndex]?.hasPrefix("ignored") == true)
        #expect(memory.fallbacks.contains(.count))
        let before = provider.queries.count
        #expect(try await userNames(client(provider, memory: memory), UserQuery()) == Self.names(1...250))
        #expect(Array(provider.queries.dropFirst(before)) == [""])
    }

    @Test func aProviderThatRefusesOnlyCountPagesByWhatArrivesAndKeepsTheRest() async throws {
        let provider = PickyProvider(users: 250, refuses: ["count": 500], defaultCount: 100)
        let memory = ListingMemory()
        let names = try await userNames(client(provider, memory: memory), UserQuery(pageSize: 1_000))
        #expect(names == Self.names(1...250))
        #expect(memory.fallbacks == ListingFallbacks(dropped: [.count: "HTTP 500"]))
    }

    @Test func aFailureThatPassesIsNotHeldAgainstTheProvider() async throws {
        let provider = PickyProvider(users: 30, failFirst: 1)
        let memory = ListingMemory()
        let names = try await userNames(client(provider, memory: memory), UserQuery(sortBy: "userName"))
        #expect(names == Self.names(1...30) && memory.fallbacks.isEmpty)
    }

    @Test func aProviderThatRepeatsItsLastPageIsNotTakenForOneThatIgnoresStartIndex() async throws {
        // Asked past its end, it serves its last page again (startIndex honoured): nothing to learn.
        let provider = PickyProvider(users: 150, cap: 100)
        let memory = ListingMemory()
        #expect(try await userNames(client(provider, memory: memory), UserQuery(pageSize: 100)) == Self.names(1...150))
        #expect(memory.fallbacks.isEmpty)
    }

    @Test func aProviderThatRefusesEveryFormFailsNamingEachFormTried() async throws {
        let provider = PickyProvider(users: 10, failFirst: 100)
        let error = await #expect(throws: SCIMClientError.self) {
            _ = try await userNames(client(provider), UserQuery(filter: #"userName pr"#, pageSize: 50))
        }
        let text = error?.description ?? ""
        #expect(text.contains("refused every form of the listing"))
        for form in [
            "GET /Users?startIndex=1&count=50&filter=userName%20pr (HTTP 500)",
            "GET /Users?startIndex=1&count=50 (HTTP 500)", "GET /Users?startIndex=1 (HTTP 500)",
            "GET /Users (HTTP 500)",
        ] {
            #expect(text.contains(form), "\(form) in \(text)")
        }
    }

    @Test func aConnectionProbeFindsWhatTheProviderRefusesAndIgnores() async throws {
        let provider = PickyProvider(users: 5, refuses: ["sortBy": 400], ignoresStart: true)
        let config = ServiceProviderConfig(filterSupported: true, sortSupported: true)
        let probe = try await client(provider).probeListing(config)
        #expect(probe.totalUsers == 5)
        #expect(Set(probe.fallbacks.dropped.keys) == [.sortBy, .startIndex, .count])
        #expect(probe.fallbacks.dropped[.sortBy] == "HTTP 400")
        let healthy = try await client(PickyProvider(users: 5)).probeListing(config)
        #expect(healthy.fallbacks.isEmpty)
    }
}
