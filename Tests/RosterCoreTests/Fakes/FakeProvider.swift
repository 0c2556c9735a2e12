import Foundation
import NIOHTTP1
import SCIM
import Synchronization

/// A SCIM service provider in memory, behind the client's ``SCIMTransport``: users and groups
/// with paging and `eq` filters, POST/PUT/PATCH/DELETE, an OAuth token endpoint that counts
/// the tokens it hands out, and scripted failures (`fail(...)`) for the retry and quarantine tests.
final class FakeProvider: SCIMTransport {
    static let base = "https://sp.test/scim/v2"
    static let tokenURL = "https://sp.test/oauth/token"

    struct Failure {
        var method: HTTPMethod?
        var pathPrefix: String
        var status: Int
        var headers: [(String, String)]
        var remaining: Int
    }

    struct State {
        var users: [String: JSONValue] = [:]
        var userOrder: [String] = []
        var groups: [String: JSONValue] = [:]
        var groupOrder: [String] = []
        var nextId = 1
        var config: JSONValue
        var requests: [String] = []
        var tokensIssued = 0
        var validToken: String?
        var failures: [Failure] = []
    }

    let state: Mutex<State>
    /// Called before each request is answered (with "METHOD /path"), e.g. to deactivate an
    /// integration in the middle of an import.
    let onRequest = Mutex<(@Sendable (String) async -> Void)?>(nil)

    init(patch: Bool = true, filter: Bool = true, etag: Bool = false) {
        state = Mutex(
            State(
                config: .object([
                    "patch": .object(["supported": .bool(patch)]),
                    "filter": .object(["supported": .bool(filter), "maxResults": .number(200)]),
                    "sort": .object(["supported": .bool(false)]), "etag": .object(["supported": .bool(etag)]),
                ])))
    }

    // MARK: Set-up and checks

    @discardableResult
    func addUser(
        _ userName: String, email: String?, displayName: String? = nil, extra: [String: JSONValue] = [:]
    ) -> String {
        state.withLock { state in
            let id = "u\(state.nextId)"
            state.nextId += 1
            var user: [String: JSONValue] = ["id": .string(id), "userName": .string(userName)]
            user.merge(extra) { _, new in new }
            if let email {
                user["emails"] = .array([
                    .object(["value": .string(email), "type": .string("work"), "primary": .bool(true)])
                ])
            }
            if let displayName { user["displayName"] = .string(displayName) }
            state.users[id] = .object(user)
            state.userOrder.append(id)
            return id
        }
    }

    /// Lists users in pages of at most `size` (its `filter.maxResults`).
    func pages(of size: Int) {
        state.withLock { state in
            guard case .object(var config) = state.config, case .object(var filter)? = config["filter"] else { return }
            filter["maxResults"] = .number(Double(size))
            config["filter"] = .object(filter)
            state.config = .object(config)
        }
    }

    /// The next `times` requests whose method and path match answer `status`.
    func fail(
        _ method: HTTPMethod? = nil, _ pathPrefix: String, status: Int, times: Int = .max,
        headers: [(String, String)] = []
    ) {
        state.withLock {
            $0.failures.append(
                Failure(method: method, pathPrefix: pathPrefix, status: status, headers: headers, remaining: times))
        }
    }

    func healed() { state.withLock { $0.failures.removeAll() } }
    var users: [JSONValue] { state.withLock { s in s.userOrder.compactMap { s.users[$0] } } }
    var groups: [JSONValue] { state.withLock { s in s.groupOrder.compactMap { s.groups[$0] } } }
    var requests: [String] { state.withLock { $0.requests } }
    func user(_ userName: String) -> JSONValue? { users.first { $0["userName"]?.text == userName } }
    var tokensIssued: Int { state.withLock { $0.tokensIssued } }
    /// Requires `Authorization: Bearer` with the last token issued (OAuth integrations).
    func requireOAuth() { state.withLock { $0.validToken = "" } }
    /// The provider revokes the token it issued: the next call gets 401.
    func revokeToken() { state.withLock { $0.validToken = "revoked" } }

    // MARK: SCIMTransport

    func execute(_ request: SCIMHTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> SCIMHTTPResponse {
        // A little latency, so concurrent callers really overlap.
        try await Task.sleep(for: .milliseconds(2))
        if let hook = onRequest.withLock({ $0 }) {
            let url = URLComponents(string: request.url)
            await hook("\(request.method.rawValue) \(url?.path ?? "")" + (url?.query.map { "?" + $0 } ?? ""))
        }
        return state.withLock { state in handle(request, &state) }
    }

    private func handle(_ request: SCIMHTTPRequest, _ state: inout State) -> SCIMHTTPResponse {
        let url = URLComponents(string: request.url)!
        let path = request.url.hasPrefix(Self.base) ? String(url.path.dropFirst("/scim/v2".count)) : url.path
        state.requests.append("\(request.method.rawValue) \(path)")
        if request.url == Self.tokenURL {
            state.tokensIssued += 1
            let token = "token-\(state.tokensIssued)"
            if state.validToken != nil { state.validToken = token }
            return json(200, .object(["access_token": .string(token), "expires_in": .number(3600)]))
        }
        if let valid = state.validToken, request.header("Authorization") != "Bearer \(valid)" {
            return json(401, .object(["detail": .string("invalid token")]))
        }
        if let index = state.failures.firstIndex(where: {
            ($0.method == nil || $0.method == request.method) && path.hasPrefix($0.pathPrefix)
        }) {
            state.failures[index].remaining -= 1
            let failure = state.failures[index]
            if failure.remaining <= 0 { state.failures.remove(at: index) }
            return SCIMHTTPResponse(
                status: failure.status, headers: failure.headers, body: Array(#"{"detail":"scripted failure"}"#.utf8))
        }
        let body = request.body.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0)) }
        let query = Dictionary(
            (url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        let parts = path.split(separator: "/").map(String.init)
        switch (request.method, parts.first, parts.count) {
        case (.GET, "ServiceProviderConfig", 1): return json(200, state.config)
        case (.GET, "Users", 1): return list(state.userOrder.compactMap { state.users[$0] }, query)
        case (.GET, "Groups", 1): return list(state.groupOrder.compactMap { state.groups[$0] }, query)
        case (.POST, let type?, 1): return create(type, body, &state)
        case (let method, let type?, 2): return resource(method, type, parts[1], body, &state)
        default: return json(404, .object(["detail": .string("no route")]))
        }
    }

    private func list(_ all: [JSONValue], _ query: [String: String]) -> SCIMHTTPResponse {
        var kept = all
        if let text = query["filter"], let filter = try? SCIMFilter(parsing: text) {
            kept = kept.filter { filter.matches($0) }
        }
        let start = max(1, Int(query["startIndex"] ?? "1") ?? 1)
        let count = Int(query["count"] ?? "100") ?? 100
        let page = Array(kept.dropFirst(start - 1).prefix(count))
        return json(
            200,
            .object([
                "totalResults": .number(Double(kept.count)), "startIndex": .number(Double(start)),
                "itemsPerPage": .number(Double(page.count)), "Resources": .array(page),
            ]))
    }

    private func create(_ type: String, _ body: JSONValue?, _ state: inout State) -> SCIMHTTPResponse {
        guard case .object(var resource)? = body else { return json(400, .object(["detail": .string("no body")])) }
        let id = (type == "Users" ? "u" : "g") + "\(state.nextId)"
        state.nextId += 1
        resource["id"] = .string(id)
        if type == "Users" {
            state.users[id] = .object(resource)
            state.userOrder.append(id)
        } else {
            state.groups[id] = .object(resource)
            state.groupOrder.append(id)
        }
        return json(201, .object(resource))
    }

    private func resource(_ method: HTTPMethod, _ type: String, _ id: String, _ body: JSONValue?, _ state: inout State)
        -> SCIMHTTPResponse
    {
        let users = type == "Users"
        guard let current = users ? state.users[id] : state.groups[id] else {
            return json(404, .object(["detail": .string("gone")]))
        }
        var updated = current
        switch method {
        case .GET: return json(200, current)
        case .DELETE:
            if users {
                state.users[id] = nil
                state.userOrder.removeAll { $0 == id }
            } else {
                state.groups[id] = nil
            }
            return SCIMHTTPResponse(status: 204)
        case .PUT:
            guard case .object(var replacement)? = body else { return json(400, .null) }
            replacement["id"] = .string(id)
            updated = .object(replacement)
        case .PATCH where users:
            // Users are patched as a real provider would (SCIMPatch, RFC 7644 §3.5.2): URN paths and value
            // filters, in the enterprise extension and the ones the user has (a vendor's own).
            let declared = (updated["schemas"]?.elements ?? []).compactMap(\.text)
            let extensions = Array(Set(declared + [SCIMSchema.enterpriseUser]).subtracting([SCIMSchema.user]))
            guard let body, let patch = try? SCIMPatch(json: body, core: SCIMSchema.user, extensions: extensions),
                (try? patch.apply(to: &updated, extensions: extensions)) != nil
            else { return json(400, .object(["detail": .string("bad patch")])) }
        case .PATCH:
            for operation in body?["Operations"]?.elements ?? [] { updated = Self.apply(operation, to: updated) }
        default: return json(405, .null)
        }
        if users { state.users[id] = updated } else { state.groups[id] = updated }
        return json(200, updated)
    }

    /// The PATCH operations Roster sends: replace or add a (dotted) path, add members, remove members by filter.
    static func apply(_ operation: JSONValue, to resource: JSONValue) -> JSONValue {
        guard case .object(var object) = resource else { return resource }
        let op = operation["op"]?.text?.lowercased() ?? ""
        let path = operation["path"]?.text ?? ""
        if path.hasPrefix("members") {
            var members = object["members"]?.elements ?? []
            if op == "add" {
                members += operation["value"]?.elements ?? []
            } else if let open = path.firstIndex(of: "["),
                let filter = try? SCIMFilter(
                    parsing: String(path[path.index(after: open)..<path.index(before: path.endIndex)]))
            {
                members.removeAll { filter.matches($0) }
            }
            object["members"] = .array(members)
            return .object(object)
        }
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 2, case .object(var inner)? = object[parts[0]] {
            inner[parts[1]] = op == "remove" ? nil : operation["value"]
            object[parts[0]] = .object(inner)
        } else if let name = parts.first {
            object[name] = op == "remove" ? nil : operation["value"]
        }
        return .object(object)
    }

    private func json(_ status: Int, _ body: JSONValue) -> SCIMHTTPResponse {
        SCIMHTTPResponse(
            status: status, headers: [("Content-Type", "application/scim+json")],
            body: Array((try? JSONEncoder().encode(body)) ?? Data()))
    }
}
