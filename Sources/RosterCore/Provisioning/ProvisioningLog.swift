import Foundation
import Logging

/// Every push to an application, as administrators read it (SPEC.md's provisioning log), and
/// the Insights event each one makes.
public struct ProvisioningLog: Sendable {
    let storage: any Storage
    let lookup: Lookup
    let logger: Logger

    /// One page of the application's pushes, oldest first unless `newestFirst`; `user` keeps
    /// only that user's. Filtered and paged by the database.
    public func entries(
        application name: String, user: UUID? = nil, newestFirst: Bool = false, limit: Int = 1000,
        offset: Int = 0, by initiator: Initiator
    ) async throws -> [ProvisioningLogEntry] {
        try initiator.require(.read)
        guard (1...10_000).contains(limit), (0...100_000_000).contains(offset) else {
            throw RosterError.invalid("limit must be 1 to 10000 and offset 0 to 100000000")
        }
        let application = try await lookup.application(name)
        return try await storage.provisioningLog(
            ProvisioningLogQuery(
                applicationId: application.id, targetId: user, newestFirst: newestFirst, limit: limit, offset: offset))
    }

    func record(
        _ push: Push, outcome: ProvisioningLogEntry.Outcome, detail: String?, initiator: Initiator = .system,
        event: InsightsEventType? = nil
    ) async throws {
        let entry = ProvisioningLogEntry(
            application: .init(push.application), targetType: push.targetType, targetId: push.targetId,
            targetName: push.targetName, operation: push.operation, outcome: outcome, remoteId: push.remoteId,
            detail: detail)
        let event = InsightsEvent(
            type: event ?? .provision(push.operation), initiator: initiator,
            resource: .init(type: push.targetType.rawValue, id: push.targetId, name: push.targetName),
            application: .init(push.application), success: outcome == .succeeded)
        try await storage.log(entry, event: event)
        RosterMetrics.push(outcome, operation: push.operation)
        logger.info(
            "provisioning push",
            metadata: [
                "application": "\(push.application.name)",
                "operation": "\(push.operation)", "outcome": "\(outcome)",
            ])
    }
}
