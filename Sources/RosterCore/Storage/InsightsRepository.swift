import Foundation

public protocol InsightsRepository: Sendable {
    func record(_ event: InsightsEvent) async throws
    /// The newest events matching the query, newest first.
    func events(_ query: InsightsQuery) async throws -> [InsightsEvent]
    /// How many events match the query on each UTC day that has any, oldest first.
    func dailyCounts(_ query: InsightsQuery) async throws -> [(day: Date, count: Int)]
}
