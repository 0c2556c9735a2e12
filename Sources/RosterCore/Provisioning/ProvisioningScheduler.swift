import Foundation

/// Turns directory changes into pushes on the queue, and holds mass deprovisioning until an
/// administrator confirms it (SPEC.md "Provisioning").
public struct ProvisioningScheduler: Sendable {
    let storage: any Storage
    let applications: ApplicationService
    let queue: ProvisioningQueue
    let log: ProvisioningLog

    /// Share of an application's users one change may deprovision without confirmation.
    public static let deprovisionThreshold = 0.2

    /// Schedules pushes for users whose attributes, state or memberships changed. When the
    /// change would deprovision more than ``deprovisionThreshold`` of an application's users,
    /// those pushes are held until an administrator confirms (`roster provision confirm`).
    /// The pushes are queued in `tx`: with the change that causes them, or not at all.
    func usersChanged(_ userIds: [UUID], by initiator: Initiator, in tx: any Storage) async throws {
        var byApplication: [UUID: [UUID]] = [:]
        for userId in userIds {
            let applications = Set(try await tx.managingApplications(userId: userId))
                .union(try await tx.provisionedApplications(userId: userId))
            for applicationId in applications { byApplication[applicationId, default: []].append(userId) }
        }
        for (applicationId, users) in byApplication {
            let leaving = try await leavingUsers(users, applicationId: applicationId, in: tx)
            let managed = try await tx.provisionedUserCount(applicationId: applicationId)
            let hold = leaving.count >= 2 && Double(leaving.count) > Self.deprovisionThreshold * Double(managed)
            for userId in users {
                try await queue.user(userId, in: applicationId, held: hold && leaving.contains(userId), store: tx)
            }
            if hold, let application = try await tx.application(id: applicationId) {
                // bounded: a constant
                let percent = Int(Self.deprovisionThreshold * 100)
                let detail =
                    "would deprovision \(leaving.count) of \(managed) users (more than \(percent)%): held until an "
                    + "administrator confirms (roster provision confirm \(application.name))"
                for userId in leaving.sorted(by: { $0.text < $1.text }) {
                    let push = Push(
                        application: application, targetType: .user, targetId: userId,
                        targetName: try await tx.user(id: userId)?.email, operation: .deactivate)
                    try await log.record(push, outcome: .held, detail: detail, initiator: initiator)
                }
            }
        }
    }

    /// Of `users`, those Roster has active in the application that should no longer be there.
    private func leavingUsers(_ users: [UUID], applicationId: UUID, in tx: any Storage) async throws -> Set<UUID> {
        var leaving: Set<UUID> = []
        for userId in users
        where try await tx.provisionedUser(applicationId: applicationId, userId: userId)?.active == true {
            var staying = false
            if try await tx.user(id: userId)?.state == .active {
                staying = try await tx.isManaged(userId: userId, applicationId: applicationId)
            }
            if !staying { leaving.insert(userId) }
        }
        return leaving
    }

    /// Schedules the group and its members in every application it is bound to, in `tx`.
    func groupChanged(_ groupId: UUID, members: [UUID], in tx: any Storage) async throws {
        for applicationId in try await tx.bindings(groupId: groupId) {
            for member in members { try await queue.user(member, in: applicationId, store: tx) }
            try await queue.group(groupId, in: applicationId, store: tx)
        }
    }

    /// Releases the deprovisioning held by the threshold.
    public func confirmHeld(application name: String, by initiator: Initiator) async throws -> Int {
        try initiator.require(.change)
        let application = try await applications.find(name)
        return try await storage.transaction { tx in
            var released = try await tx.releaseHeld(applicationId: application.id)
            // The members adopted groups kept until now are removed on the next push of each group.
            let groups = try await tx.confirmUnconfirmedMembers(applicationId: application.id)
            for group in groups { try await queue.group(group, in: application.id, store: tx) }
            released += groups.count
            try await tx.record(
                InsightsEvent(
                    type: .provisionConfirm, initiator: initiator,
                    resource: .init(type: "application", id: application.id, name: application.name),
                    application: .init(application)))
            return released
        }
    }
}
