import Foundation

/// One push to an application, as the provisioning log shows it.
public struct ProvisioningLogEntry: Sendable, Hashable {
    public enum TargetType: String, Sendable { case user, group }
    public enum Operation: String, Sendable { case create, link, update, deactivate, delete, addMembers, removeMembers }
    public enum Outcome: String, Sendable { case succeeded, failed, retrying, held, cancelled }

    public var id: UUID
    public var time: Date
    public var application: InsightsEvent.ApplicationRef
    public var targetType: TargetType
    public var targetId: UUID
    public var targetName: String?
    public var operation: Operation
    public var outcome: Outcome
    public var remoteId: String?
    public var detail: String?

    public init(
        id: UUID = UUID.random(), time: Date = Date(), application: InsightsEvent.ApplicationRef,
        targetType: TargetType,
        targetId: UUID, targetName: String?, operation: Operation, outcome: Outcome, remoteId: String?, detail: String?
    ) {
        self.id = id
        self.time = time
        self.application = application
        self.targetType = targetType
        self.targetId = targetId
        self.targetName = targetName
        self.operation = operation
        self.outcome = outcome
        self.remoteId = remoteId
        self.detail = detail
    }
}

/// The remote user a directory user is in one application.
public struct ProvisionedUser: Sendable, Hashable {
    public var applicationId: UUID
    public var userId: UUID
    public var remoteId: String
    public var active: Bool
    public init(applicationId: UUID, userId: UUID, remoteId: String, active: Bool) {
        self.applicationId = applicationId
        self.userId = userId
        self.remoteId = remoteId
        self.active = active
    }
}

/// The remote group a bound user group is in one application, with the members last pushed.
public struct ProvisionedGroup: Sendable, Hashable {
    public var applicationId: UUID
    public var groupId: UUID
    public var remoteId: String
    public var members: Set<String>
    /// Members the application's group had when Roster adopted it, that Roster did not put there:
    /// they are not removed until an administrator confirms (`roster provision confirm`).
    public var unconfirmed: Set<String>

    public init(
        applicationId: UUID, groupId: UUID, remoteId: String, members: Set<String>, unconfirmed: Set<String> = []
    ) {
        self.applicationId = applicationId
        self.groupId = groupId
        self.remoteId = remoteId
        self.members = members
        self.unconfirmed = unconfirmed
    }
}
