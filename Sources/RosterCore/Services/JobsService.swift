import Foundation

/// The background job queue, as operators see it.
public struct JobsService: Sendable {
    let storage: any Storage

    public func list(limit: Int, by initiator: Initiator) async throws -> [QueuedJobStatus] {
        try initiator.require(.read)
        guard (1...10_000).contains(limit) else { throw RosterError.invalid("limit must be 1 to 10000") }
        return try await storage.queue(limit: limit)
    }

    /// Work waiting per kind, recorded as the queue gauges; answered too.
    @discardableResult
    public func recordDepth() async throws -> [QueueDepth] {
        let depth = try await storage.queueDepth()
        RosterMetrics.queue(depth)
        return depth
    }
}
