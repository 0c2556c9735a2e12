import Foundation
import SCIM

/// The orders the users list offers; each is backed by an index, so a page is quick at any size.
public enum UserSort: String, Sendable, CaseIterable {
    case email, username, created, state
}

/// What a cursor Roster did not give (or an old link's) is told: what it is, and what to do.
let notRostersCursor =
    "the cursor is not one Roster gave (it comes from the nextCursor or the page links of an earlier answer): "
    + "leave it out to start again from the first page"

/// A place in the users list: the sort key of the row a page starts after (or, going back, before).
/// Pages found this way cost the same at the millionth user as at the first, where an offset
/// made the database walk every row before it. Its `token` is what links and API clients carry.
public struct UserCursor: Sendable, Hashable {
    static let notRosters = notRostersCursor
    public var sort: UserSort
    /// The boundary row's sort key: one value per column of the sort (see ``UserSort/keyColumns``);
    /// empty going back from the end (the last page).
    public var key: [String]
    public var backwards: Bool

    public init(sort: UserSort, key: [String], backwards: Bool = false) {
        self.sort = sort
        self.key = key
        self.backwards = backwards
    }

    /// The cursor just after `user` (or, `backwards`, just before it).
    public init(after user: DirectoryUser, sort: UserSort, backwards: Bool = false) {
        let email = user.email.lowercased()
        let key: [String] =
            switch sort {
            case .email: [email]
            case .username: [user.username.lowercased()]
            case .created: [String(Int64(exactly: (user.created.timeIntervalSince1970 * 1000).rounded()) ?? 0), email]
            case .state: [user.state.rawValue, email]
            }
        self.init(sort: sort, key: key, backwards: backwards)
    }

    /// The last page: going back from the end.
    public static func last(_ sort: UserSort) -> UserCursor { UserCursor(sort: sort, key: [], backwards: true) }

    public var token: String {
        let text = ([sort.rawValue, backwards ? "<" : ">"] + key).joined(separator: "\u{0}")
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public init(token: String) throws {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.utf8.count <= 2_048, let data = Data(base64Encoded: base64),
            let text = String(data: data, encoding: .utf8)
        else { throw RosterError.invalid(Self.notRosters) }
        let parts = text.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let sort = UserSort(rawValue: parts[0]), parts[1] == "<" || parts[1] == ">",
            parts.count == 2 || parts.count == 2 + sort.keyColumns.count,
            parts.count > 2 || parts[1] == "<",
            sort != .created || parts.count == 2 || CheckedNumber.read(parts[2], in: Int.min...Int.max) != nil
        else { throw RosterError.invalid(Self.notRosters) }
        self.init(sort: sort, key: Array(parts.dropFirst(2)), backwards: parts[1] == "<")
    }
}

extension UserSort {
    /// The columns a page of this order is found by, in order; `created` runs newest first.
    public var keyColumns: [String] {
        switch self {
        case .email: ["email_key"]
        case .username: ["username_key"]
        case .created: ["created", "email_key"]
        case .state: ["state", "email_key"]
        }
    }
}

/// A page of the users list and the cursors of the pages next to it.
public struct UserPage: Sendable {
    public var users: [DirectoryUser]
    public var next: UserCursor?
    public var previous: UserCursor?

    public init(users: [DirectoryUser], next: UserCursor?, previous: UserCursor?) {
        self.users = users
        self.next = next
        self.previous = previous
    }
}

/// Which Insights events to read.
public struct InsightsQuery: Sendable, Hashable {
    public var type: InsightsEventType?
    public var from: Date?
    public var to: Date?
    /// The initiator's email, or `system` / `apikey` for those initiators.
    public var initiator: String?
    public var applicationId: UUID?
    /// Only events older than this one (the next page, newest first), by time and id.
    public var before: InsightsCursor?
    public var limit: Int

    public init(
        type: InsightsEventType? = nil, from: Date? = nil, to: Date? = nil, initiator: String? = nil,
        applicationId: UUID? = nil, before: InsightsCursor? = nil, limit: Int = 1000
    ) {
        self.before = before
        self.type = type
        self.from = from
        self.to = to
        self.initiator = initiator
        self.applicationId = applicationId
        self.limit = limit
    }
}

/// A place in Insights, newest first: the time and id of the last event of a page. The next page
/// starts right after it whatever its depth among ten million events.
public struct InsightsCursor: Sendable, Hashable {
    static let notRosters = notRostersCursor
    public var millis: Int64
    public var id: String

    public init(after event: InsightsEvent) {
        millis = Int64(exactly: (event.time.timeIntervalSince1970 * 1000).rounded()) ?? 0
        id = event.id.text
    }

    public var token: String { "\(millis)_\(id)" }

    public init(token: String) throws {
        let parts = token.split(separator: "_", maxSplits: 1).map(String.init)
        guard parts.count == 2, let millis = CheckedNumber.read(parts[0], in: Int.min...Int.max),
            let id = UUID(uuidString: parts[1])
        else {
            throw RosterError.invalid(Self.notRosters)
        }
        self.millis = Int64(millis)  // bounded: an Int is 64 bits here
        self.id = id.text
    }
}

extension InsightsQuery {
    /// `2026-11-30` (the start of that UTC day) or a full ISO 8601 time: how the filters are typed.
    public static func time(_ text: String) -> Date? {
        if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        return try? Date(text, strategy: .iso8601)
    }
}

/// Which pushes of one application to read: a page, oldest or newest first, optionally one target's.
public struct ProvisioningLogQuery: Sendable, Hashable {
    public var applicationId: UUID
    /// Only the pushes of this user or group.
    public var targetId: UUID?
    public var newestFirst: Bool
    public var limit: Int
    public var offset: Int

    public init(
        applicationId: UUID, targetId: UUID? = nil, newestFirst: Bool = false, limit: Int = 1000, offset: Int = 0
    ) {
        self.applicationId = applicationId
        self.targetId = targetId
        self.newestFirst = newestFirst
        self.limit = limit
        self.offset = offset
    }
}
