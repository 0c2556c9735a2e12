import Foundation
import SCIM

/// One page of a SCIM query's answer (RFC 7644 §3.4.2).
public struct SCIMList: Sendable {
    public var total: Int
    public var startIndex: Int
    public var resources: [JSONValue]
    /// RFC 9865: where the next page starts, when the client pages by cursor and there is one.
    public var nextCursor: String?

    public init(total: Int, startIndex: Int, resources: [JSONValue], nextCursor: String? = nil) {
        self.total = total
        self.startIndex = startIndex
        self.resources = resources
        self.nextCursor = nextCursor
    }

    /// The page `query` asks for out of every match (by index or by position cursor), each shown
    /// as `query` projects it.
    init(all: [JSONValue], query: SCIMListQuery) {
        // Positions and indexes are read into their ranges (SCIMCursor.maxPosition, SCIMListQuery):
        // each step below is checked all the same, held at Int's bounds rather than trapping.
        let start = query.cursor.map(\.position) ?? max(0, CheckedNumber.saturatingAdd(query.startIndex, -1))
        let page = all.dropFirst(start).prefix(query.count)
        let end = CheckedNumber.saturatingAdd(start, page.count)
        let next = query.cursor != nil && end < all.count
        self.init(
            total: all.count, startIndex: CheckedNumber.saturatingAdd(start, 1),
            resources: page.map(query.projection.apply),
            nextCursor: next ? SCIMCursor.position(end).token : nil)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.listResponse)]), "totalResults": .number(Double(total)),
            "startIndex": .number(Double(startIndex)), "itemsPerPage": .number(Double(resources.count)),
            "Resources": .array(resources),
        ]
        if let nextCursor { members["nextCursor"] = .string(nextCursor) }
        return .object(members)
    }

    /// Sorted by the first value `path` reaches, case-insensitively; resources without one last
    /// whatever the order (RFC 7644 §3.4.2.3).
    static func sorted(_ resources: [JSONValue], by path: SCIMFilter.AttributePath, descending: Bool) -> [JSONValue] {
        let keyed = resources.map { resource in (key: path.values(in: resource).first, resource: resource) }
        return keyed.sorted { a, b in
            guard let x = a.key else { return false }
            guard let y = b.key else { return true }
            if case .number(let m) = x, case .number(let n) = y { return descending ? m > n : m < n }
            let s = (x.text ?? "").lowercased()
            let t = (y.text ?? "").lowercased()
            return descending ? s > t : s < t
        }.map(\.resource)
    }
}

/// The users a filter matches: those an indexed equality names when the filter has one
/// (`userName eq`, `emails eq`, `externalId eq`, `id eq`: what clients look users up by), else
/// every visible user, a thousand at a time.
struct SCIMUserFinder {
    let storage: any Storage
    var maxScanned = SCIMListQuery.maxScanned

    /// Every user `filter` matches, or ``SCIMProtocolError/Kind/tooMany`` when that means reading
    /// more than ``SCIMListQuery/maxScanned`` users.
    func matching(
        _ filter: SCIMFilter?, render: (DirectoryUser) -> JSONValue, caseExact: (SCIMFilter.AttributePath) -> Bool
    ) async throws -> [JSONValue] {
        var found: [JSONValue] = []
        func keep(_ users: [DirectoryUser]) {
            for user in users where user.scimDeleted == nil {
                let json = render(user)
                if filter?.matches(json, caseExact: caseExact) ?? true { found.append(json) }
            }
        }
        if let filter, let candidates = try await candidates(filter) {
            keep(candidates.sorted { ($0.created, $0.email.lowercased()) < ($1.created, $1.email.lowercased()) })
            return found
        }
        let total = try await storage.scimUserCount()
        if total > maxScanned {
            throw SCIMProtocolError.badRequest(
                .tooMany,
                "without an equality on userName, emails, externalId or id, a filter or sort reads every user; "
                    + "the directory has \(total) and Roster reads at most \(maxScanned) that way")
        }
        var after: (created: Date, email: String)?
        while true {
            // A request past its deadline stops here (the server's DeadlineMiddleware cancels it).
            try Task.checkCancellation()
            let users = try await storage.scimUsers(after: after, limit: 1000)
            keep(users)
            guard users.count == 1000, let last = users.last else { return found }
            after = (last.created, last.email.lowercased())
        }
    }

    /// A superset of the users `filter` matches, read by index; nil when no index narrows it.
    private func candidates(_ filter: SCIMFilter) async throws -> [DirectoryUser]? {
        switch filter {
        case .compare(let path, .eq, let value) where path.schema == nil:
            guard let text = value.text else { return nil }
            switch (path.name.lowercased(), path.subAttribute?.lowercased()) {
            case ("username", nil), ("emails", nil), ("emails", "value"):
                return try await storage.usersMatching(keys: [text])
            case ("externalid", nil): return try await storage.scimUsers(externalId: text)
            case ("id", nil):
                guard let id = UUID(text: text) else { return [] }
                return try await storage.user(id: id).map { [$0] } ?? []
            default: return nil
            }
        case .and(let left, let right):
            if let found = try await candidates(left) { return found }
            return try await candidates(right)
        case .or(let left, let right):
            guard let l = try await candidates(left), let r = try await candidates(right) else { return nil }
            var seen = Set(l.map(\.id))
            return l + r.filter { seen.insert($0.id).inserted }
        default: return nil
        }
    }
}
