import Foundation

/// The orders the users list offers; each is backed by an index, so a page is quick at any size.
public enum UserSort: String, Sendable, CaseIterable {
    case email, username, created, state
}

/// Which Insights events to read.
public struct InsightsQuery: Sendable, Hashable {
    public var type: InsightsEventType?
    public var from: Date?
    public var to: Date?
    /// The initiator's email, or `system` / `apikey` for those initiators.
    public var initiator: String?
    public var applicationId: UUID?
    public var limit: Int

    public init(
        type: InsightsEventType? = nil, from: Date? = nil, to: Date? = nil, initiator: String? = nil,
        applicationId: UUID? = nil, limit: Int = 1000
    ) {
        self.type = type
        self.from = from
        self.to = to
        self.initiator = initiator
        self.applicationId = applicationId
        self.limit = limit
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
