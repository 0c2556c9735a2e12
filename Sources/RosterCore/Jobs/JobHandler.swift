import Foundation

/// How a job ended, as its handler says: the worker records it, and knows nothing else of the work.
public enum JobOutcome: Sendable, Equatable {
    case done
    /// Given up, with why.
    case failed(String)
    /// Run again after `after`.
    case retry(after: Duration, reason: String)
    /// Wait until an administrator releases it (quarantine, the deprovisioning threshold).
    case hold(String)
}

/// Runs the jobs of some kinds.
public protocol JobHandler: Sendable {
    /// Does the work of one job. `attempt` counts from 1; `lease` says whether this worker still
    /// holds the job (a handler that runs long checks it between steps). A thrown error fails the job.
    func run(_ payload: JobPayload, attempt: Int, lease: Lease) async throws -> JobOutcome
    func abandoned(_ payload: JobPayload, reason: String) async throws
}

extension JobHandler {
    /// The job is given up without running: it stopped Roster (its worker died while it ran) too
    /// many times. A handler records what that means for its work (an import job fails with `reason`).
    public func abandoned(_ payload: JobPayload, reason: String) async throws {}
}
