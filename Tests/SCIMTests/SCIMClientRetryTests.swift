import Foundation
import NIOHTTP1
import Synchronization
import Testing

@testable import SCIM

/// A transport that answers from a script, and records what it was asked and how long the client waited.
final class ScriptedTransport: SCIMTransport {
    let answers: Mutex<[@Sendable (SCIMHTTPRequest) throws -> SCIMHTTPResponse]>
    let seen = Mutex<[SCIMHTTPRequest]>([])

    init(_ answers: [@Sendable (SCIMHTTPRequest) throws -> SCIMHTTPResponse]) {
        self.answers = Mutex(answers)
    }

    func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> SCIMHTTPResponse {
        seen.withLock { $0.append(request) }
        let next = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { return SCIMHTTPResponse(status: 200, body: Array("{}".utf8)) }
        return try next(request)
    }

    var requests: [SCIMHTTPRequest] { seen.withLock { $0 } }
}

final class Waits: Sendable {
    private let waits = Mutex<[Duration]>([])
    var all: [Duration] { waits.withLock { $0 } }
    func record(_ wait: Duration) { waits.withLock { $0.append(wait) } }
}

func answer(_ status: Int, _ body: String = "{}", headers: [(String, String)] = [])
    -> @Sendable (SCIMHTTPRequest) throws
    -> SCIMHTTPResponse
{
    { _ in SCIMHTTPResponse(status: status, headers: headers, body: Array(body.utf8)) }
}

@Suite struct SCIMClientRetryTests {
    func client(
        _ transport: ScriptedTransport, _ waits: Waits, auth: SCIMAuthentication = .bearer(token: "t"),
        tokens: OAuthTokenCache = OAuthTokenCache()
    ) -> SCIMClient {
        SCIMClient(
            baseURL: "https://sp.test/scim/v2", authentication: auth, transport: transport,
            configuration: .init(maxRetries: 4, sleep: { waits.record($0) }, jitter: { 1.0 }), tokens: tokens)
    }

    @Test func aRateLimitedRequestWaitsAsLongAsRetryAfterSaysThenSucceeds() async throws {
        // setup
        let transport = ScriptedTransport([answer(429, headers: [("Retry-After", "7")]), answer(200, #"{"id":"u1"}"#)])
        let waits = Waits()
        // MUT
        let user = try await client(transport, waits).user(id: "u1")
        // validate
        #expect(user.id == "u1")
        #expect(waits.all == [.seconds(7)])
        #expect(transport.requests.count == 2)
    }

    @Test func anUnavailableProviderIsRetriedWithDoublingBackOffUpToTheLimitAndTheErrorSaysSo() async throws {
        // setup
        let transport = ScriptedTransport((0..<10).map { _ in answer(503) })
        let waits = Waits()
        // MUT
        let error = await #expect(throws: SCIMClientError.self) {
            _ = try await client(transport, waits).user(id: "u1")
        }
        // validate
        #expect(waits.all == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)])
        #expect(error?.status == 503 && error?.description.contains("kept failing after 4 retries") == true)
    }

    @Test func aCreateThatTimedOutIsNotSentAgainButAReadIs() async throws {
        // setup
        let timeout: @Sendable (SCIMHTTPRequest) throws -> SCIMHTTPResponse = { _ in
            throw SCIMClientError(.timeout, "slow")
        }
        let transport = ScriptedTransport([timeout, timeout, answer(200, #"{"id":"u1"}"#)])
        let waits = Waits()
        let client = client(transport, waits)
        // MUT, validate: a POST may have created the user, so it is not repeated
        await #expect(throws: SCIMClientError.self) { _ = try await client.createUser(SCIMUser(json: .object([:]))) }
        #expect(transport.requests.count == 1)
        // MUT, validate: a GET is safe to repeat
        #expect(try await client.user(id: "u1").id == "u1")
        #expect(transport.requests.count == 3)
    }

    @Test func clientsOfOneIntegrationShareOneTokenAndA401FetchesOneNewOne() async throws {
        // setup: a token endpoint that counts, and twenty calls from five clients at once
        let issued = Mutex(0)
        let valid = Mutex("")
        let transport = ScriptedTransport([])
        let tokens = OAuthTokenCache()
        let handler: @Sendable (SCIMHTTPRequest) throws -> SCIMHTTPResponse = { request in
            if request.url.hasSuffix("/token") {
                let token = issued.withLock {
                    $0 += 1
                    return "token-\($0)"
                }
                valid.withLock { $0 = token }
                return SCIMHTTPResponse(
                    status: 200, body: Array(#"{"access_token":"\#(token)","expires_in":3600}"#.utf8))
            }
            let ok = request.header("Authorization") == "Bearer \(valid.withLock { $0 })"
            return SCIMHTTPResponse(status: ok ? 200 : 401, body: Array(#"{"id":"u"}"#.utf8))
        }
        transport.answers.withLock { $0 = Array(repeating: handler, count: 100) }
        let auth = SCIMAuthentication.oauthClientCredentials(
            tokenURL: "https://sp.test/token", clientID: "c", clientSecret: "s",
            scope: nil)
        let clients = (0..<5).map { _ in client(transport, Waits(), auth: auth, tokens: tokens) }
        // MUT
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 { group.addTask { _ = try await clients[i % 5].user(id: "u") } }
            try await group.waitForAll()
        }
        // validate
        #expect(issued.withLock { $0 } == 1)
        // MUT: the provider revokes the token
        valid.withLock { $0 = "revoked" }
        _ = try await clients[0].user(id: "u")
        _ = try await clients[1].user(id: "u")
        // validate: dropped on the 401, fetched once again, shared again
        #expect(issued.withLock { $0 } == 2)
    }

    @Test func aTokenIsRenewedBeforeItExpires() async throws {
        // setup: tokens that live 61 s, renewed 60 s early: each is good for one second
        let issued = Mutex(0)
        let transport = ScriptedTransport([])
        let handler: @Sendable (SCIMHTTPRequest) throws -> SCIMHTTPResponse = { request in
            if request.url.hasSuffix("/token") {
                issued.withLock { $0 += 1 }
                return SCIMHTTPResponse(status: 200, body: Array(#"{"access_token":"t","expires_in":61}"#.utf8))
            }
            return SCIMHTTPResponse(status: 200, body: Array("{}".utf8))
        }
        transport.answers.withLock { $0 = Array(repeating: handler, count: 10) }
        let auth = SCIMAuthentication.oauthClientCredentials(
            tokenURL: "https://sp.test/token", clientID: "c", clientSecret: "s",
            scope: "scim")
        let clock = ManualClock()
        let client = client(transport, Waits(), auth: auth, tokens: OAuthTokenCache(clock: clock.read))
        // MUT
        _ = try await client.user(id: "u")
        clock.advance(.milliseconds(999))
        _ = try await client.user(id: "u")
        #expect(issued.withLock { $0 } == 1)
        clock.advance(.milliseconds(2))
        _ = try await client.user(id: "u")
        // validate
        #expect(issued.withLock { $0 } == 2)
        let form = String(decoding: transport.requests.first { $0.url.hasSuffix("/token") }?.body ?? [], as: UTF8.self)
        #expect(form == "grant_type=client_credentials&scope=scim")
    }
}

@Suite struct SCIMListingLimitTests {
    @Test func aProviderThatNeverStopsListingIsStoppedAtTheCapWithAnError() async throws {
        // setup: every page has new ids, forever
        let counter = Mutex(0)
        let transport = ScriptedTransport([])
        let page: @Sendable (SCIMHTTPRequest) throws -> SCIMHTTPResponse = { _ in
            let ids = counter.withLock { n in
                (0..<10).map { _ in
                    n += 1
                    return n
                }
            }
            let resources = ids.map { #"{"id":"u\#($0)","userName":"u\#($0)"}"# }.joined(separator: ",")
            return SCIMHTTPResponse(status: 200, body: Array(#"{"Resources":[\#(resources)]}"#.utf8))
        }
        transport.answers.withLock { $0 = Array(repeating: page, count: 1000) }
        let client = SCIMClient(
            baseURL: "https://sp.test", authentication: .none, transport: transport,
            configuration: .init(maxListedResources: 95))
        // MUT
        var listed = 0
        let error = await #expect(throws: SCIMClientError.self) {
            for try await users in client.userPages(.init(pageSize: 10), config: .init()) { listed += users.count }
        }
        // validate
        #expect(listed == 90)
        #expect(error?.description.contains("did not end after 100 resources, more than the 95") == true)
    }
}

/// A provider listing `users` users by index, whose answer to each page `shape` may change.
final class IndexedProvider: SCIMTransport {
    let users: Int
    let shape: @Sendable (_ start: Int, _ count: Int) -> (count: Int, total: Int?, status: Int)
    let asked = Mutex<[Int]>([])

    init(users: Int, shape: @escaping @Sendable (Int, Int) -> (count: Int, total: Int?, status: Int)) {
        self.users = users
        self.shape = shape
    }

    func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> SCIMHTTPResponse {
        let items = URLComponents(string: request.url)?.queryItems ?? []
        let start = Int(items.first { $0.name == "startIndex" }?.value ?? "") ?? 1
        let count = Int(items.first { $0.name == "count" }?.value ?? "") ?? 100
        asked.withLock { $0.append(start) }
        // Answers arrive out of order, as they do over a network.
        try await Task.sleep(for: .milliseconds(Int.random(in: 0...3)))
        let (served, total, status) = shape(start, count)
        guard status == 200 else { return SCIMHTTPResponse(status: status, body: Array("{}".utf8)) }
        let ids = (start..<min(start + served, users + 1)).map { #"{"id":"u\#($0)"}"# }
        let totalText = total.map { #""totalResults":\#($0),"# } ?? ""
        return SCIMHTTPResponse(
            status: 200, body: Array(#"{\#(totalText)"Resources":[\#(ids.joined(separator: ","))]}"#.utf8))
    }
}

@Suite struct ParallelListingTests {
    func list(_ provider: IndexedProvider, pageSize: Int = 100) async throws -> [String] {
        let client = SCIMClient(
            baseURL: "https://sp.test/scim", authentication: .none, transport: provider,
            configuration: .init(maxRetries: 0))
        var ids: [String] = []
        for try await page in client.pages("/Users", UserQuery(pageSize: pageSize), config: ServiceProviderConfig()) {
            ids += page.compactMap { $0["id"]?.text }
        }
        return ids
    }

    @Test func pagesFetchedAtOnceAreReadInOrderAndEveryUserOnce() async throws {
        let provider = IndexedProvider(users: 1_050) { _, count in (count, 1_050, 200) }
        let ids = try await list(provider)
        #expect(ids == (1...1_050).map { "u\($0)" })
    }

    @Test func aShortPageInTheMiddleDropsTheGuessesAfterItAndLosesNoUser() async throws {
        // The provider caps pages at 70 from its fourth page on, without saying so.
        let provider = IndexedProvider(users: 1_000) { start, count in
            (start > 300 ? min(count, 70) : count, 1_000, 200)
        }
        let ids = try await list(provider)
        #expect(ids == (1...1_000).map { "u\($0)" })
    }

    @Test func aTotalThatUndercountsStillListsEveryUser() async throws {
        let provider = IndexedProvider(users: 950) { _, count in (count, 200, 200) }
        let ids = try await list(provider)
        #expect(ids == (1...950).map { "u\($0)" })
    }

    @Test func aProviderThatRefusesLargePagesIsAskedAgainWithPagesOf100() async throws {
        let provider = IndexedProvider(users: 450) { _, count in count > 100 ? (0, nil, 400) : (count, 450, 200) }
        let ids = try await list(provider, pageSize: 1_000)
        #expect(ids == (1...450).map { "u\($0)" })
    }
}
