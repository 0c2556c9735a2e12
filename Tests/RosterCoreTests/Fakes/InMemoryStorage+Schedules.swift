import Foundation

@testable import RosterCore

extension InMemoryStorage: ScheduleRepository {
    func saveSchedule(_ schedule: ImportSchedule) async throws {
        try check()
        var schedule = schedule
        if let kept = importSchedules[schedule.applicationId]?.lastSlot, kept > schedule.lastSlot ?? .distantPast {
            schedule.lastSlot = kept
        }
        importSchedules[schedule.applicationId] = schedule
    }

    func deleteSchedule(applicationId: UUID) async throws {
        try check()
        importSchedules[applicationId] = nil
    }

    func schedule(applicationId: UUID) async throws -> ImportSchedule? {
        try check()
        return importSchedules[applicationId]
    }

    func schedules() async throws -> [ImportSchedule] {
        try check()
        return importSchedules.values.sorted { $0.applicationId.text < $1.applicationId.text }
    }

    func claimSlot(applicationId: UUID, slot: Date) async throws -> Bool {
        try check()
        guard let schedule = importSchedules[applicationId], schedule.lastSlot ?? .distantPast < slot else {
            return false
        }
        importSchedules[applicationId]?.lastSlot = slot
        return true
    }

    func claimDigest(ownerId: UUID, week: Date) async throws -> Bool {
        try check()
        return digests.insert("\(ownerId.text)/\(week.timeIntervalSince1970)").inserted
    }

    func scheduledJobs(applicationIds: [UUID], since: Date, until: Date) async throws -> [ImportJob] {
        try check()
        return importJobs.values.filter {
            $0.trigger != nil && applicationIds.contains($0.applicationId) && $0.createdAt >= since
                && $0.createdAt < until
        }.sorted { $0.createdAt < $1.createdAt }
    }
}
