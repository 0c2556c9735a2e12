import Foundation

/// Directory Insights: the audit trail, read.
public struct InsightsService: Sendable {
    let storage: any Storage

    public func events(_ query: InsightsQuery, by initiator: Initiator) async throws -> [InsightsEvent] {
        try initiator.require(.read)
        guard (1...100_000).contains(query.limit) else { throw RosterError.invalid("limit must be 1 to 100000") }
        if let from = query.from, let to = query.to, from >= to {
            throw RosterError.invalid("the time range ends before it starts")
        }
        return try await storage.events(query)
    }

    /// Users created by imports per UTC day, for the Insights chart.
    public func importsPerDay(_ query: InsightsQuery, by initiator: Initiator) async throws -> [(day: Date, count: Int)]
    {
        try initiator.require(.read)
        var query = query
        query.type = .userCreate
        return try await storage.dailyCounts(query)
    }
}
