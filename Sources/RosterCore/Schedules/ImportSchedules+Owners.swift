import Foundation

/// Scheduled imports run as their owner is now: a schedule whose owner was deleted, disabled or
/// demoted to readonly stops, with an Insights event, and the other administrators are told.
extension ImportSchedules {
    /// Why `owner` can no longer run a schedule; nil while it can.
    static func cannotRun(_ owner: Administrator?, email: String) -> String? {
        Administrator.cannotChange(owner, email: email).map { "its owner \($0)" }
    }

    /// Stops every schedule `owner` owns, in `tx`; answers the applications' names.
    @discardableResult
    func stopSchedules(of owner: Administrator, why: String, in tx: any Storage) async throws -> [String] {
        var stopped: [String] = []
        for schedule in try await tx.schedules() where schedule.ownerId == owner.id {
            if let name = try await stop(schedule, why: why, in: tx) { stopped.append(name) }
        }
        return stopped
    }

    /// Turns the schedule off and says so: an Insights event, an email to every other active admin.
    func stop(_ schedule: ImportSchedule, why: String, in tx: any Storage) async throws -> String? {
        guard let application = try await tx.application(id: schedule.applicationId) else { return nil }
        try await tx.deleteSchedule(applicationId: application.id)
        try await tx.record(
            InsightsEvent(
                type: .importScheduleStopped, initiator: .system,
                resource: .init(type: "import_schedule", id: application.id, name: "stopped: \(why)"),
                application: .init(application)))
        let others = try await tx.administrators().filter {
            $0.role == .admin && !$0.disabled && $0.id != schedule.ownerId
        }
        for admin in others {
            try await mail.enqueue(
                EmailMessage(
                    from: mail.from, to: admin.email,
                    subject: "Roster stopped the scheduled import from \(application.name)",
                    text: """
                        The scheduled import from \(application.name) (\(Self.summary(schedule))) stopped: \(why).
                        Scheduled imports run as their owner, and this owner can no longer run them.

                        To run it again, set it with another owner:
                          roster app schedule "\(application.name)" \(schedule.cadence.flag) --as YOUR_EMAIL
                        or on the application's page in the Admin Portal.
                        """), in: tx)
        }
        logger.warning(
            "scheduled import stopped", metadata: ["application": "\(application.name)", "reason": "\(why)"])
        return application.name
    }
}
