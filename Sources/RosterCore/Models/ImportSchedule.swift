import Foundation

/// An application's scheduled import of new users: when, which users (a SCIM filter), whether
/// it only reports (a dry run), and the administrator it runs for, who gets its results.
public struct ImportSchedule: Sendable, Hashable {
    public var applicationId: UUID
    public var cadence: Cadence
    public var filter: String?
    public var dryRun: Bool
    public var ownerId: UUID
    public var ownerEmail: String
    public var created: Date
    /// The last slot an instance claimed and ran; slots before it never run.
    public var lastSlot: Date?

    public init(
        applicationId: UUID, cadence: Cadence, filter: String?, dryRun: Bool, ownerId: UUID, ownerEmail: String,
        created: Date = Date(), lastSlot: Date? = nil
    ) {
        self.applicationId = applicationId
        self.cadence = cadence
        self.filter = filter
        self.dryRun = dryRun
        self.ownerId = ownerId
        self.ownerEmail = ownerEmail
        self.created = created
        self.lastSlot = lastSlot
    }
}

/// Why an import job ran when it was not started by hand: the schedule slot it ran for.
public struct ImportTrigger: Sendable, Hashable, Codable {
    public var slot: Date
    public var filter: String?
    public var dryRun: Bool

    public init(slot: Date, filter: String?, dryRun: Bool) {
        self.slot = slot
        self.filter = filter
        self.dryRun = dryRun
    }
}
