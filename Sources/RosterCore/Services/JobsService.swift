import Foundation

/// The background job queue, as operators see and steer it.
public struct JobsService: Sendable {
    let storage: any Storage

    public func list(limit: Int, by initiator: Initiator) async throws -> [QueuedJobStatus] {
        try initiator.require(.read)
        guard (1...10_000).contains(limit) else { throw RosterError.invalid("limit must be 1 to 10000") }
        return try await storage.queue(limit: limit)
    }

    public func show(id: UUID, by initiator: Initiator) async throws -> QueuedJobStatus {
        try initiator.require(.read)
        guard let job = try await storage.queuedJob(id: id) else {
            throw RosterError.notFound("there is no job \(id.text)")
        }
        return job
    }

    /// Stops a job that waits or runs. A running worker loses its lease and stops at its next step;
    /// an import stops before its next batch, keeps what it did, and reports it as cancelled.
    public func cancel(id: UUID, by initiator: Initiator) async throws -> QueuedJobStatus {
        try initiator.require(.change)
        let reason = "cancelled by \(initiator.label)"
        try await storage.transaction { tx in
            guard let job = try await tx.queuedJob(id: id) else {
                throw RosterError.notFound("there is no job \(id.text)")
            }
            guard try await tx.cancel(jobId: id, reason: reason) else {
                throw RosterError.conflict("the job \(id.text) has ended already (\(job.status)): nothing to cancel")
            }
            if case .importJob(let importId)? = try? job.job.payload(), let imported = try await tx.job(id: importId),
                !imported.isFinished
            {
                try await tx.updateJob(
                    id: importId, status: .cancelled, total: nil, reason: reason,
                    finishedAt: imported.status == .queued ? Date() : nil)
            }
            try await tx.record(
                InsightsEvent(
                    type: .jobCancel, initiator: initiator,
                    resource: .init(type: "job", id: id, name: job.job.kind)))
        }
        return try await show(id: id, by: initiator)
    }

    /// Work waiting per kind, recorded as the queue gauges; answered too.
    @discardableResult
    public func recordDepth() async throws -> [QueueDepth] {
        let depth = try await storage.queueDepth()
        RosterMetrics.queue(depth)
        return depth
    }
}
