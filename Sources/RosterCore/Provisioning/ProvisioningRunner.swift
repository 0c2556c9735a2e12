import Foundation
import Logging
import SCIM

/// Runs one queued push: checks the integration, reconciles the user or group, and decides what
/// a failure means: try again later, quarantine the application, or give up.
///
/// Every push reconciles: it compares what the directory says the application should have
/// with what Roster last left there, and sends only the difference. That makes pushes
/// idempotent, so a retried or coalesced task is always safe.
public struct ProvisioningRunner: JobHandler {
    let storage: any Storage
    let access: IntegrationAccess
    let users: UserSync
    let groups: GroupSync
    let log: ProvisioningLog
    let logger: Logger

    /// Attempts before a push is given up as failed.
    public static let maxAttempts = 8
    /// Failed pushes in a row (the application's fault) that quarantine an application.
    public static let quarantineAfter = 10

    public func run(_ payload: JobPayload, attempt: Int, lease: Lease) async throws -> JobOutcome {
        let push: Push
        switch payload {
        case .provisionUser(let applicationId, let userId):
            guard let application = try await storage.application(id: applicationId) else { return .done }
            push = Push(application: application, targetType: .user, targetId: userId)
        case .provisionGroup(let applicationId, let groupId):
            guard let application = try await storage.application(id: applicationId) else { return .done }
            push = Push(application: application, targetType: .group, targetId: groupId)
        case .importJob, .mail:
            return .failed("not a provisioning job")
        }
        return try await run(push, attempt: attempt)
    }

    private func run(_ start: Push, attempt: Int) async throws -> JobOutcome {
        var push = start
        let application = push.application
        do {
            switch try await access.state(of: application) {
            case .deactivated, .notConfigured:
                try await log.record(push, outcome: .cancelled, detail: "integration deactivated")
                return .done
            case .quarantined(let why):
                let reason =
                    "the application is quarantined: \(why); release it with roster app release \(application.name)"
                try await log.record(push, outcome: .held, detail: reason)
                return .hold(reason)
            case .active(let connection):
                if push.targetType == .user {
                    try await users.reconcile(&push, connection: connection)
                } else {
                    try await groups.reconcile(&push, connection: connection)
                }
                _ = try await storage.recordPush(applicationId: application.id, succeeded: true)
                return .done
            }
        } catch SyncStopped.deactivated {
            try await log.record(push, outcome: .cancelled, detail: "integration deactivated")
            return .done
        } catch let error where error is CancellationError || Task.isCancelled {
            throw error
        } catch {
            return try await failed(push, error: RosterError.from(error), attempt: attempt)
        }
    }

    /// A push failed: only the application's failures count towards quarantine; Roster's own
    /// (its database) are retried without blaming the application.
    private func failed(_ push: Push, error: RosterError, attempt: Int) async throws -> JobOutcome {
        let reason = error.stored
        if case .internal = error {
            logger.error(
                "push failed inside Roster", metadata: ["application": "\(push.application.name)", "error": "\(error)"])
        }
        if error.isServiceProviderFailure {
            let inARow = try await storage.recordPush(applicationId: push.application.id, succeeded: false)
            if inARow >= Self.quarantineAfter {
                // A provider failing this often is broken, not busy: stop and say why. Pushes run
                // side by side, so others may fail after the one that quarantined: they are held
                // with the same reason, which stays the one that counted the tenth failure.
                let why = "quarantined after \(Self.quarantineAfter) failed pushes in a row; last: \(reason)"
                if inARow == Self.quarantineAfter {
                    try await storage.setIntegrationStatus(applicationId: push.application.id, status: .error)
                    try await storage.recordConnection(
                        applicationId: push.application.id, serviceProvider: nil, lastError: why)
                }
                try await log.record(push, outcome: .held, detail: why)
                return .hold(why)
            }
        }
        guard attempt < Self.maxAttempts else {
            try await log.record(push, outcome: .failed, detail: reason)
            return .failed(reason)
        }
        let delay = Self.backoff(attempt: attempt)
        try await log.record(
            push, outcome: .retrying,
            detail: "\(reason); attempt \(attempt) of \(Self.maxAttempts), next in \(delay.components.seconds) s")
        return .retry(after: delay, reason: reason)
    }

    /// 2 s, 4 s, 8 s … up to five minutes.
    static func backoff(attempt: Int) -> Duration {
        .seconds(min(300, 1 << min(max(attempt, 1), 8)))
    }
}

/// A push stopped before its end: the integration was deactivated while it ran.
enum SyncStopped: Error { case deactivated }

extension IntegrationAccess {
    /// Checked before every write: a deactivation that lands mid-push stops what is not yet sent.
    func ensureActive(_ application: Application) async throws {
        guard try await isActive(application.id) else { throw SyncStopped.deactivated }
    }
}
