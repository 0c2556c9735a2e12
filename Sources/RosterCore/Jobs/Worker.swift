import Foundation
import Logging

/// Claims queued jobs and runs them. A job's lease is renewed while it runs; if this process
/// dies, the lease runs out and another worker takes the job over and resumes it.
public struct Worker: Sendable {
    let storage: any Storage
    let handlers: [JobKind: any JobHandler]
    let logger: Logger
    /// The kinds this worker runs: mail has a worker of its own, so a long import never delays it.
    public let kinds: Set<JobKind>
    public let owner: String
    public var lease: Duration = .seconds(30)
    public var idleDelay: Duration = .milliseconds(500)
    /// Jobs run side by side: provisioning spends its time waiting for providers, and a provider's
    /// pace (its rate limit) is kept by the SCIM client, not by running one push at a time.
    public var concurrency = 1
    /// How the lease's renewer waits between renewals: the clock, unless a test drives it.
    public var renewalWait: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    public init(storage: any Storage, handlers: [JobKind: any JobHandler], kinds: Set<JobKind>, logger: Logger) {
        self.storage = storage
        self.handlers = handlers
        self.kinds = kinds
        self.logger = logger
        let process = ProcessInfo.processInfo
        owner = "\(process.hostName)-\(process.processIdentifier)-\(UUID.random().text.prefix(8))"
    }

    /// Runs until cancelled, `concurrency` jobs at a time.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, concurrency) { group.addTask { await runLoop() } }
        }
    }

    private func runLoop() async {
        while !Task.isCancelled {
            do {
                if try await runOne() == nil { try await Task.sleep(for: idleDelay) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("worker loop failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// How many times a job may be taken over from a worker that died while it ran: past that it
    /// is not run again, so a job that kills its process cannot take every instance down in turn.
    public static let maxTakeovers = 3

    /// Claims and runs one job; nil when none was due.
    @discardableResult
    public func runOne() async throws -> QueuedJob? {
        guard let job = try await storage.claim(owner: owner, lease: lease, kinds: kinds) else { return nil }
        if job.takeovers >= Self.maxTakeovers {
            try await abandon(job)
            return job
        }
        logger.debug(
            "job claimed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"])
        let lease = Lease()
        let outcome: JobOutcome
        do {
            outcome = try await withThrowingTaskGroup(of: JobOutcome?.self) { group in
                // Renewed on its own clock, so a slow provider never lets the lease run out
                // under a job that is still making progress.
                group.addTask {
                    try await keepLeased(job, lease)
                    return nil
                }
                group.addTask { try await perform(job, lease) }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw CancellationError()
            }
        } catch is CancellationError {
            // Shutting down cleanly: the job goes back to the queue at once, where it resumes from
            // what it committed; only a worker that dies leaves it leased (and counts a takeover).
            if lease.isHeld {
                let (storage, owner) = (storage, owner)
                // Detached: this task is cancelled, and the put-down must still reach the database.
                try? await Task.detached { try await storage.putDown(jobId: job.id, owner: owner) }.value
            }
            throw CancellationError()
        } catch {
            let failure = RosterError.from(error)
            logger.error("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(failure)"])
            outcome = .failed(failure.stored)
        }
        // Another worker holds the job now: it records how the job ends.
        guard lease.isHeld else { return job }
        try await record(outcome, of: job)
        return job
    }

    /// Gives a job up: it stopped Roster too many times.
    private func abandon(_ job: QueuedJob) async throws {
        let reason =
            "stopped Roster \(job.takeovers) times (its worker died while it ran): not run again; see the log of "
            + "the instances that ran it"
        logger.error("job given up", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "reason": "\(reason)"])
        if let payload = try? job.payload(), let handler = handlers[payload.kind] {
            try await handler.abandoned(payload, reason: reason)
        }
        try await storage.finish(jobId: job.id, owner: owner, error: reason)
    }

    private func perform(_ job: QueuedJob, _ lease: Lease) async throws -> JobOutcome {
        let payload = try job.payload()
        guard let handler = handlers[payload.kind] else {
            return .failed("this Roster has no handler for \(payload.kind.rawValue) jobs")
        }
        return try await handler.run(payload, attempt: job.attempts, lease: lease)
    }

    private func record(_ outcome: JobOutcome, of job: QueuedJob) async throws {
        switch outcome {
        case .done: try await storage.finish(jobId: job.id, owner: owner, error: nil)
        case .failed(let reason):
            logger.error("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(reason)"])
            try await storage.finish(jobId: job.id, owner: owner, error: reason)
        case .retry(let delay, let reason):
            try await storage.retry(jobId: job.id, owner: owner, error: reason, delay: delay)
        case .hold(let reason): try await storage.hold(jobId: job.id, owner: owner, reason: reason)
        }
    }

    /// Renews the lease every third of its length; marks it lost when another worker took over.
    private func keepLeased(_ job: QueuedJob, _ lease: Lease) async throws {
        while true {
            try await renewalWait(self.lease / 3)
            if try await !storage.renew(jobId: job.id, owner: owner, lease: self.lease) {
                lease.lose()
                logger.warning("job lease lost to another worker", metadata: ["job": "\(job.id)"])
                return try await renewalWait(.seconds(3600 * 24))
            }
        }
    }

    /// Runs jobs until `done` says so (the `--wait` of a command line import).
    public func drain(until done: () async throws -> Bool) async throws {
        while try await !done() {
            if try await runOne() == nil { try await Task.sleep(for: idleDelay) }
        }
    }

    /// Runs every job that is due now, then returns how many ran (`roster worker --until-idle`).
    @discardableResult
    public func runUntilIdle() async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    var count = 0
                    while try await runOne() != nil { count += 1 }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
    }
}
