import Foundation

public protocol ScheduleRepository: Sendable {
    /// Creates or replaces the application's schedule (its last slot is kept).
    func saveSchedule(_ schedule: ImportSchedule) async throws
    func deleteSchedule(applicationId: UUID) async throws
    func schedule(applicationId: UUID) async throws -> ImportSchedule?
    func schedules() async throws -> [ImportSchedule]
    /// Takes `slot` for the caller if no instance took it (or a later one): true for exactly one
    /// caller, however many instances ask at once.
    func claimSlot(applicationId: UUID, slot: Date) async throws -> Bool
    /// Takes the weekly digest of `week` (its Monday) for the owner: true for exactly one caller.
    func claimDigest(ownerId: UUID, week: Date) async throws -> Bool
    /// Scheduled import jobs of these applications created in `since..<until`.
    func scheduledJobs(applicationIds: [UUID], since: Date, until: Date) async throws -> [ImportJob]
}
