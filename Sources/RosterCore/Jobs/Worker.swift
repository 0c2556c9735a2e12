import Foundation
import Logging

/// Claims queued jobs and runs them. A job's lease is renewed while it runs; if this process
/// dies, the lease runs out and another worker takes the job over and resumes it.
public struct Worker: Sendable {
    let storage: any Storage
    let imports: ImportService
    let provisioning: ProvisioningService
    let mailer: Mailer
    let logger: Logger
    public let owner: String
    public var leaseSeconds = 30
    public var idleDelay: Duration = .milliseconds(500)

    public init(storage: any Storage, imports: ImportService, provisioning: ProvisioningService, mailer: Mailer, logger: Logger) {
        self.storage = storage
        self.imports = imports
        self.provisioning = provisioning
        self.mailer = mailer
        self.logger = logger
        owner = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    }

    /// Runs until cancelled.
    public func run() async {
        var lastMail = ContinuousClock.now - .seconds(3600)  // deliver what waits at once
        while !Task.isCancelled {
            do {
                if try await runOne() == nil { try await Task.sleep(for: idleDelay) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("worker loop failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
            if ContinuousClock.now - lastMail > .seconds(30) {
                await mailer.deliverPending()
                lastMail = .now
            }
        }
    }

    /// Claims and runs one job; nil when none was due.
    @discardableResult
    public func runOne() async throws -> QueuedJob? {
        guard let job = try await storage.claim(owner: owner, leaseSeconds: leaseSeconds) else { return nil }
        logger.info("job claimed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)"])
        let lease = Lease()
        var failure: String?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Renewed on its own clock, so a slow provider never lets the lease run out
                // under a job that is still making progress.
                group.addTask { try await keepLeased(job, lease) }
                group.addTask { try await perform(job, lease) }
                try await group.next()
                group.cancelAll()
            }
        } catch let held as ProvisioningService.Held {
            try await storage.hold(jobId: job.id, owner: owner, reason: held.reason)
            return job
        } catch let retry as ProvisioningService.RetryLater {
            try await storage.retry(jobId: job.id, owner: owner, error: retry.reason, delaySeconds: retry.delaySeconds)
            return job
        } catch is CancellationError {
            // Shutting down: the job stays leased until the lease runs out, then is resumed.
            throw CancellationError()
        } catch {
            failure = "\(error)"
            logger.error("job failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
        if lease.lost { return job }
        try await storage.finish(jobId: job.id, owner: owner, error: failure)
        return job
    }

    private func perform(_ job: QueuedJob, _ lease: Lease) async throws {
        switch job.kind {
        case ImportWorkerJob.kind:
            guard let id = UUID(uuidString: job.payload) else { throw RosterError.invalid("bad import job payload \(job.payload)") }
            try await imports.runQueued(jobId: id) { !lease.lost }
        case ProvisioningQueue.userKind, ProvisioningQueue.groupKind:
            try await provisioning.run(job)
        default:
            throw RosterError.invalid("no worker handles jobs of kind \(job.kind)")
        }
    }

    /// Renews the lease every third of its length; marks it lost when another worker took over.
    private func keepLeased(_ job: QueuedJob, _ lease: Lease) async throws {
        while true {
            try await Task.sleep(for: .seconds(Double(leaseSeconds) / 3))
            if try await !storage.renew(jobId: job.id, owner: owner, leaseSeconds: leaseSeconds) {
                lease.lose()
                logger.warning("job lease lost to another worker", metadata: ["job": "\(job.id)"])
                return try await Task.sleep(for: .seconds(3600 * 24))
            }
        }
    }

    /// Runs jobs until none is due (the `--wait` of a command line import).
    public func drain(until done: () async throws -> Bool) async throws {
        while try await !done() {
            if try await runOne() == nil { try await Task.sleep(for: idleDelay) }
        }
    }
}

/// Whether this worker still holds a job's lease, shared between the job and its renewer.
final class Lease: @unchecked Sendable {
    private let lock = NSLock()
    private var isLost = false
    var lost: Bool { lock.withLock { isLost } }
    func lose() { lock.withLock { isLost = true } }
}
