import Foundation

/// Provisioning work on the job queue: one entry per (application, user) or (application,
/// group), coalesced while it waits, so a burst of changes to one user is one push.
struct ProvisioningQueue: Sendable {
    static let kinds: Set<JobKind> = [.provisionUser, .provisionGroup]
    let storage: any Storage
    let log: ProvisioningLog

    /// Queues a push of the user, in `store` (a transaction: with the change that causes it).
    func user(_ userId: UUID, in applicationId: UUID, held: Bool = false, store: (any Storage)? = nil) async throws {
        try await (store ?? storage).enqueueOnce(
            .provisionUser(applicationId: applicationId, userId: userId), held: held)
    }

    func group(_ groupId: UUID, in applicationId: UUID, store: (any Storage)? = nil) async throws {
        try await (store ?? storage).enqueueOnce(
            .provisionGroup(applicationId: applicationId, groupId: groupId), held: false)
    }

    /// Schedules every user and group of the application: after activation or release, the
    /// application is brought back in line with the directory (pushes are idempotent).
    func reconcileAll(_ application: Application) async throws {
        var users = Set(try await storage.provisionedUserIds(applicationId: application.id))
        let groups = try await storage.boundGroups(applicationId: application.id)
        for group in groups { users.formUnion(try await storage.members(groupId: group)) }
        for user in users.sorted(by: { $0.text < $1.text }) { try await self.user(user, in: application.id) }
        for group in groups { try await self.group(group, in: application.id) }
        _ = try await storage.releaseHeld(applicationId: application.id)
    }

    /// Ends every waiting push to the application in error, and logs each as cancelled.
    func cancelAll(in application: Application, reason: String, by initiator: Initiator) async throws {
        for job in try await storage.cancelQueued(kinds: Self.kinds, applicationId: application.id, error: reason) {
            let push: Push
            switch try job.payload() {
            case .provisionUser(_, let user):
                push = Push(application: application, targetType: .user, targetId: user, operation: .update)
            case .provisionGroup(_, let group):
                push = Push(application: application, targetType: .group, targetId: group, operation: .addMembers)
            case .importJob, .mail: continue
            }
            try await log.record(
                push, outcome: .cancelled, detail: reason, initiator: initiator, event: .provisionCancel)
        }
    }
}
