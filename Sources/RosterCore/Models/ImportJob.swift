import Foundation

/// Which remote users an import takes.
public enum ImportSelection: Sendable, Hashable, Codable {
    case all
    case ids([String])
}

public struct ImportJob: Sendable, Hashable {
    public enum Status: String, Sendable, Codable { case queued, running, completed, failed, cancelled }
    public var id: UUID
    public var applicationId: UUID
    public var initiator: Initiator
    public var selection: ImportSelection
    public var status: Status
    /// Users to import; for `all` the count grows as pages arrive until the listing ends.
    public var total: Int
    public var created: Int
    public var skipped: Int
    public var failed: Int
    public var reason: String?
    public var createdAt: Date
    public var finishedAt: Date?
    /// The schedule slot it ran for; nil for an import an administrator started.
    public var trigger: ImportTrigger?

    public init(
        id: UUID = UUID.random(), applicationId: UUID, initiator: Initiator, selection: ImportSelection,
        status: Status = .queued, total: Int, created: Int = 0, skipped: Int = 0, failed: Int = 0,
        reason: String? = nil, createdAt: Date = Date(), finishedAt: Date? = nil, trigger: ImportTrigger? = nil
    ) {
        self.trigger = trigger
        self.id = id
        self.applicationId = applicationId
        self.initiator = initiator
        self.selection = selection
        self.status = status
        self.total = total
        self.created = created
        self.skipped = skipped
        self.failed = failed
        self.reason = reason
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }

    public var processed: Int { created + skipped + failed }
    /// Whether it only reported: its `created` counts the users it would have created.
    public var isDryRun: Bool { trigger?.dryRun ?? false }
    /// How it came to run, as the history shows it: `manual`, `scheduled` or `dry run`.
    public var kind: String { isDryRun ? "dry run" : trigger == nil ? "manual" : "scheduled" }
    public var isFinished: Bool { [.completed, .failed, .cancelled].contains(status) }
}

public struct ImportResult: Sendable, Hashable {
    /// `new`: a dry run found the user new (it would have been created).
    public enum Outcome: String, Sendable, Codable, CaseIterable { case created, skipped, failed, new }
    public var remoteId: String
    public var userName: String?
    public var outcome: Outcome
    public var userId: UUID?
    public var reason: String?
    public init(remoteId: String, userName: String?, outcome: Outcome, userId: UUID? = nil, reason: String? = nil) {
        self.remoteId = remoteId
        self.userName = userName
        self.outcome = outcome
        self.userId = userId
        self.reason = reason
    }
}

/// A user of the application as the import screen shows it.
public struct RemoteUserStatus: Sendable, Hashable {
    public enum Status: String, Sendable, Codable {
        case new, exists, invalid

        /// The status a query names: `new`, `existing` (or `exists`) or `invalid`.
        public init(query: String) throws {
            switch query {
            case "new": self = .new
            case "existing", "exists": self = .exists
            case "invalid": self = .invalid
            default: throw RosterError.invalid("status must be new, existing or invalid")
            }
        }
    }
    public var remoteId: String
    public var userName: String?
    public var email: String?
    public var displayName: String?
    public var status: Status
    public var matchedUserId: UUID?
    public var reason: String?

    public init(
        remoteId: String, userName: String?, email: String?, displayName: String?, status: Status,
        matchedUserId: UUID?, reason: String?
    ) {
        self.remoteId = remoteId
        self.userName = userName
        self.email = email
        self.displayName = displayName
        self.status = status
        self.matchedUserId = matchedUserId
        self.reason = reason
    }
}
