import Foundation

/// Provisioning work on the job queue: one entry per (application, user) or (application,
/// group), coalesced while it waits, so a burst of changes to one user is one push.
public struct ProvisioningQueue: Sendable {
    public static let userKind = "provision-user"
    public static let groupKind = "provision-group"
    let storage: any Storage

    public init(storage: any Storage) {
        self.storage = storage
    }

    func user(_ userId: UUID, in applicationId: UUID, held: Bool = false) async throws {
        try await storage.enqueueOnce(kind: Self.userKind, payload: "\(applicationId.text)/\(userId.text)", held: held)
    }

    func group(_ groupId: UUID, in applicationId: UUID) async throws {
        try await storage.enqueueOnce(kind: Self.groupKind, payload: "\(applicationId.text)/\(groupId.text)", held: false)
    }

    /// Schedules every user and group of the application: after activation or release, the
    /// application is brought back in line with the directory (pushes are idempotent).
    func reconcileAll(_ application: Application) async throws {
        var users = Set(try await storage.provisionedUserIds(applicationId: application.id))
        let groups = try await storage.boundGroups(applicationId: application.id)
        for group in groups { users.formUnion(try await storage.members(groupId: group)) }
        for user in users.sorted(by: { $0.uuidString < $1.uuidString }) { try await self.user(user, in: application.id) }
        for group in groups { try await self.group(group, in: application.id) }
        _ = try await storage.releaseHeld(payloadPrefix: application.id.text + "/")
    }

    /// Ends every waiting push to the application in error, and logs each as cancelled.
    func cancelAll(in application: Application, reason: String, by initiator: Initiator) async throws {
        for kind in [Self.userKind, Self.groupKind] {
            for job in try await storage.cancelQueued(kind: kind, payloadPrefix: application.id.text + "/", error: reason) {
                guard let (_, target) = Self.parse(job.payload) else { continue }
                let type: ProvisioningLogEntry.TargetType = kind == Self.userKind ? .user : .group
                let entry = ProvisioningLogEntry(application: .init(application), targetType: type, targetId: target, targetName: nil,
                                                 operation: type == .user ? .update : .addMembers, outcome: .cancelled, remoteId: nil, detail: reason)
                try await storage.log(entry, event: InsightsEvent(
                    type: "provision_cancel", initiator: initiator, resource: .init(type: type.rawValue, id: target.uuidString, name: nil),
                    application: .init(application), success: false))
            }
        }
    }

    static func parse(_ payload: String) -> (UUID, UUID)? {
        let parts = payload.split(separator: "/")
        guard parts.count == 2, let app = UUID(uuidString: String(parts[0])), let target = UUID(uuidString: String(parts[1])) else { return nil }
        return (app, target)
    }
}

extension UUID {
    /// The lowercase form Roster stores and prints.
    public var text: String { uuidString.lowercased() }
}
