import Foundation

/// A unit of background work as the queue holds it, held by one worker at a time through a lease.
public struct QueuedJob: Sendable, Hashable {
    public var id: UUID
    /// As stored; ``payload()`` reads it.
    public var kind: String
    public var encodedPayload: String
    public var attempts: Int
    /// How many times a worker took the job over from one that died while it ran.
    public var takeovers: Int

    public init(id: UUID, kind: String, encodedPayload: String, attempts: Int, takeovers: Int = 0) {
        self.id = id
        self.kind = kind
        self.encodedPayload = encodedPayload
        self.attempts = attempts
        self.takeovers = takeovers
    }

    public func payload() throws -> JobPayload { try JobPayload(kind: kind, encoded: encodedPayload) }
}

/// A queue entry as an operator sees it.
public struct QueuedJobStatus: Sendable, Hashable {
    public var job: QueuedJob
    public var status: String
    public var leaseOwner: String?
    public var leaseUntil: Date?
    public var lastError: String?
    /// When it is due (a retry waits until then).
    public var runAfter: Date?
    public var created: Date?
    public init(
        job: QueuedJob, status: String, leaseOwner: String?, leaseUntil: Date?, lastError: String?,
        runAfter: Date? = nil, created: Date? = nil
    ) {
        self.runAfter = runAfter
        self.created = created
        self.job = job
        self.status = status
        self.leaseOwner = leaseOwner
        self.leaseUntil = leaseUntil
        self.lastError = lastError
    }
}

/// How much work waits, per kind: the queue's depth and the age of its oldest entry.
public struct QueueDepth: Sendable, Hashable {
    public var kind: String
    public var waiting: Int
    public var oldest: Date?
    public init(kind: String, waiting: Int, oldest: Date?) {
        self.kind = kind
        self.waiting = waiting
        self.oldest = oldest
    }
}

public protocol JobQueue: Sendable {
    /// The newest entries, for operators.
    func queue(limit: Int) async throws -> [QueuedJobStatus]
    /// Queued (and held) work per kind.
    func queueDepth() async throws -> [QueueDepth]
    /// Jobs of `kind` for the application that are queued or running.
    func pendingCount(kind: JobKind, applicationId: UUID) async throws -> Int
    func enqueue(_ payload: JobPayload) async throws -> UUID
    /// Enqueues unless the same work is already waiting: changes to one user coalesce.
    /// `held` work waits for an administrator (``releaseHeld(applicationId:)``); held wins over queued.
    func enqueueOnce(_ payload: JobPayload, held: Bool) async throws
    /// Parks a claimed job until an administrator releases it.
    func hold(jobId: UUID, owner: String, reason: String) async throws
    /// Queues again every held job for the application; answers how many.
    func releaseHeld(applicationId: UUID) async throws -> Int
    /// Ends every waiting job of `kinds` for the application, with `error`.
    func cancelQueued(kinds: Set<JobKind>, applicationId: UUID, error: String) async throws -> [QueuedJob]
    /// Puts a failed attempt back in the queue to run again after `delay`.
    func retry(jobId: UUID, owner: String, error: String, delay: Duration) async throws
    /// The next job of `kinds` that is due or whose lease expired (its worker died), leased to `owner`.
    func claim(owner: String, lease: Duration, kinds: Set<JobKind>) async throws -> QueuedJob?
    /// Gives a claimed job back to the queue as if never claimed: its worker is stopping cleanly,
    /// so neither an attempt nor a takeover is counted and any instance may run it at once.
    func putDown(jobId: UUID, owner: String) async throws
    /// Extends the lease; false when another worker took the job over, or it was cancelled.
    func renew(jobId: UUID, owner: String, lease: Duration) async throws -> Bool
    /// One entry of the queue.
    func queuedJob(id: UUID) async throws -> QueuedJobStatus?
    /// Ends a job that waits or runs, as cancelled; false when it had ended already. A worker running
    /// it loses its lease at its next renewal.
    func cancel(jobId: UUID, reason: String) async throws -> Bool
    func finish(jobId: UUID, owner: String, error: String?) async throws
}

extension Duration {
    /// Whole milliseconds, as the queue stores times.
    public var milliseconds: Int64 {
        // bounded: durations Roster sets itself (leases, back-off), never a caller's
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
