import Foundation
import Logging

/// Claims queued jobs and runs them. A job's lease is renewed while it runs; if this process
/// dies, the lease runs out and another worker takes the job over and resumes it.
public struct Worker: Sendable {
    let storage: any Storage
    let imports: ImportService
    let mailer: Mailer
    let logger: Logger
    public let owner: String
    public var leaseSeconds = 30
    public var idleDelay: Duration = .milliseconds(500)

    public init(storage: any Storage, imports: ImportService, mailer: Mailer, logger: Logger) {
        self.storage = storage
        self.imports = imports
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
        let storage = self.storage, owner = self.owner, lease = leaseSeconds
        var failure: String?
        do {
            switch job.kind {
            case ImportWorkerJob.kind:
                guard let id = UUID(uuidString: job.payload) else { throw RosterError.invalid("bad import job payload") }
                try await imports.runQueued(jobId: id) {
                    try await storage.renew(jobId: job.id, owner: owner, leaseSeconds: lease)
                }
            default:
                failure = "no worker handles jobs of kind \(job.kind)"
            }
        } catch {
            failure = "\(error)"
            logger.error("job failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
        try await storage.finish(jobId: job.id, owner: owner, error: failure)
        return job
    }

    /// Runs jobs until none is due (the `--wait` of a command line import).
    public func drain(until done: () async throws -> Bool) async throws {
        while try await !done() {
            if try await runOne() == nil { try await Task.sleep(for: idleDelay) }
        }
    }
}
