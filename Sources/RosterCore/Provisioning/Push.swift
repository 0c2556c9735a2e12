import Foundation

/// What one push is about, filled in as it learns more, for its log entry.
struct Push: Sendable {
    let application: Application
    let targetType: ProvisioningLogEntry.TargetType
    let targetId: UUID
    var targetName: String?
    var remoteId: String?
    var operation: ProvisioningLogEntry.Operation

    init(
        application: Application, targetType: ProvisioningLogEntry.TargetType, targetId: UUID,
        targetName: String? = nil,
        remoteId: String? = nil, operation: ProvisioningLogEntry.Operation = .update
    ) {
        self.application = application
        self.targetType = targetType
        self.targetId = targetId
        self.targetName = targetName
        self.remoteId = remoteId
        self.operation = operation
    }
}
