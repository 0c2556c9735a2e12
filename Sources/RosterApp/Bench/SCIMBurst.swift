import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RosterCore
import SCIM

/// What an identity provider does to Roster's SCIM service when many people join at once, for
/// `roster bench scim-burst`: each client creates users, reads each back by `filter=userName eq`,
/// patches its title, and adds every other one to a shared group. Afterwards the directory is read
/// back through the same service: a user missing, a title not patched or a member not in the group
/// counts as lost.
public struct SCIMBurst: Sendable {
    public let urls: [String]
    public let key: String
    public let clients: Int
    public let usersPerClient: Int

    public init(urls: [String], key: String, clients: Int, usersPerClient: Int) {
        self.urls = urls
        self.key = key
        self.clients = clients
        self.usersPerClient = usersPerClient
    }

    public struct Report: Encodable, Sendable {
        public let requests: Int
        public let seconds: Double
        public let requestsPerSecond: Double
        public let p50Millis, p99Millis: Double
        public let errors: Int
        public let lost: Int
        public let firstError: String?
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    public func run() async throws -> Report {
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)))
        do {
            let report = try await run(http)
            try await http.shutdown()
            return report
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func run(_ http: HTTPClient) async throws -> Report {
        let run = UUID.random().text.prefix(8)
        let group = try await request(
            http, urls[0], .POST, "/Groups",
            [
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Burst \(run)",
            ], expect: [201])
        guard let groupId = group?["id"] as? String else { throw Failure(description: "the group has no id") }
        let clock = ContinuousClock()
        let started = clock.now
        let outcomes = await withTaskGroup(of: ClientOutcome.self) { tasks in
            for client in 0..<clients {
                tasks.addTask {
                    await self.client(client, http: http, run: String(run), groupId: groupId)
                }
            }
            var all: [ClientOutcome] = []
            for await outcome in tasks { all.append(outcome) }
            return all
        }
        let seconds = (clock.now - started).seconds
        let latencies = outcomes.flatMap(\.latencies).sorted()
        let errors = outcomes.flatMap(\.errors)
        let lost = try await lostAfterwards(http, outcomes: outcomes, groupId: groupId)
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        return Report(
            requests: latencies.count + errors.count, seconds: seconds,
            requestsPerSecond: Double(latencies.count + errors.count) / max(seconds, 0.001),
            p50Millis: percentile(0.5), p99Millis: percentile(0.99), errors: errors.count, lost: lost,
            firstError: errors.first)
    }

    struct ClientOutcome: Sendable {
        var latencies: [Double] = []
        var errors: [String] = []
        /// Users created: id, and whether it was added to the group.
        var users: [(id: String, member: Bool)] = []
    }

    private func client(_ client: Int, http: HTTPClient, run: String, groupId: String) async -> ClientOutcome {
        var outcome = ClientOutcome()
        let url = urls[client % urls.count]
        let clock = ContinuousClock()
        func timed(_ method: HTTPMethod, _ path: String, _ body: [String: Any]?, expect: Set<Int>) async
            -> [String: Any]??
        {
            let started = clock.now
            do {
                let answer = try await request(http, url, method, path, body, expect: expect)
                outcome.latencies.append((clock.now - started).seconds * 1000)
                return .some(answer)
            } catch {
                outcome.errors.append("\(method) \(path): \(error)")
                return nil
            }
        }
        for i in 0..<usersPerClient {
            let userName = "burst-\(run)-\(client)-\(i)@bench.example"
            let created = await timed(
                .POST, "/Users",
                [
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": userName,
                    "name": ["givenName": "Zoë", "familyName": "Müller \(i)"], "displayName": "Zoë Müller \(i)",
                    "emails": [["value": userName, "type": "work", "primary": true]], "title": "New",
                ], expect: [201])
            guard let id = created??["id"] as? String else { continue }
            let filter =
                "userName eq \"\(userName)\"".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            _ = await timed(.GET, "/Users?filter=\(filter)", nil, expect: [200])
            let patch: [String: Any] = [
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [["op": "replace", "path": "title", "value": "Patched"]],
            ]
            _ = await timed(.PATCH, "/Users/\(id)", patch, expect: [200, 204])
            var member = false
            if i % 2 == 0 {
                let add: [String: Any] = [
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [["op": "add", "path": "members", "value": [["value": id]]]],
                ]
                member = await timed(.PATCH, "/Groups/\(groupId)", add, expect: [200, 204]) != nil
            }
            outcome.users.append((id, member))
        }
        return outcome
    }

    /// Users missing or unpatched, and members missing from the group, read back afterwards.
    private func lostAfterwards(_ http: HTTPClient, outcomes: [ClientOutcome], groupId: String) async throws -> Int {
        var lost = 0
        let users = outcomes.flatMap(\.users)
        for user in users {
            let stored = try? await request(http, urls[0], .GET, "/Users/\(user.id)", nil, expect: [200])
            if (stored?["title"] as? String) != "Patched" { lost += 1 }
        }
        let group = try await request(http, urls[0], .GET, "/Groups/\(groupId)", nil, expect: [200])
        let members = Set(((group?["members"] as? [[String: Any]]) ?? []).compactMap { $0["value"] as? String })
        lost += users.filter { $0.member && !members.contains($0.id) }.count
        return lost
    }

    private func request(
        _ http: HTTPClient, _ base: String, _ method: HTTPMethod, _ path: String, _ body: [String: Any]?,
        expect: Set<Int>
    ) async throws -> [String: Any]? {
        var request = HTTPClientRequest(url: base + "/scim/v2" + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/scim+json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        guard expect.contains(Int(response.status.code)) else {
            throw Failure(description: "\(response.status.code) \(String(buffer: bytes).prefix(300))")
        }
        guard bytes.readableBytes > 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
    }
}
