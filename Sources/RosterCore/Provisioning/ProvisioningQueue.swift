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

    func user(_ userId: UUID, in applicationId: UUID) async throws {
        try await storage.enqueueOnce(kind: Self.userKind, payload: "\(applicationId.text)/\(userId.text)")
    }

    func group(_ groupId: UUID, in applicationId: UUID) async throws {
        try await storage.enqueueOnce(kind: Self.groupKind, payload: "\(applicationId.text)/\(groupId.text)")
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
