import Foundation

/// The orders the users list offers; each is backed by an index, so a page is quick at any size.
public enum UserSort: String, Sendable, CaseIterable {
    case email, username, created, state
}

/// Which Insights events to read.
public struct InsightsQuery: Sendable, Hashable {
    public var type: String?
    public var from: Date?
    public var to: Date?
    /// The initiator's email, or `system` / `apikey` for those initiators.
    public var initiator: String?
    public var applicationId: UUID?
    public var limit: Int

    public init(type: String? = nil, from: Date? = nil, to: Date? = nil, initiator: String? = nil, applicationId: UUID? = nil,
                limit: Int = 1000) {
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
