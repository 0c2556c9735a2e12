import Foundation
import Logging
import SCIM

/// Scheduled imports of new users: an administrator sets when (``Cadence``), which users (a SCIM
/// filter) and whether to only report; ``runDue(now:)`` starts each slot's import once, on one
/// instance, through the job queue, as the system acting for that administrator.
public struct ImportSchedules: Sendable {
    let storage: any Storage
    let lookup: Lookup
    let access: IntegrationAccess
    let imports: ImportService
    let mail: MailOutbox
    let logger: Logger

    /// Sets the application's schedule. It runs for the administrator who sets it (an API key acts
    /// for its administrator), or, from the command line, for the one `owner` names.
    public func set(
        application name: String, cadence: Cadence, filter: String?, dryRun: Bool, owner: String? = nil,
        by initiator: Initiator, now: Date = Date()
    ) async throws -> ImportSchedule {
        try initiator.require(.change)
        let application = try await lookup.application(name)
        _ = try await access.integration(of: application)
        let filter = filter?.trimmingCharacters(in: .whitespaces).nonEmpty
        if let filter {
            do { _ = try SCIMFilter(parsing: filter) } catch { throw RosterError.invalid("\(error)") }
        }
        let admin = try await self.owner(owner, initiator)
        let existing = try await storage.schedule(applicationId: application.id)
        // A slot before the schedule existed never runs: the first run is the next slot.
        let schedule = ImportSchedule(
            applicationId: application.id, cadence: cadence, filter: filter, dryRun: dryRun, ownerId: admin.id,
            ownerEmail: admin.email, created: now,
            lastSlot: max(existing?.lastSlot ?? .distantPast, cadence.latestSlot(atOrBefore: now) ?? .distantPast))
        try await storage.transaction { tx in
            try await tx.saveSchedule(schedule)
            try await tx.record(
                InsightsEvent(
                    type: .importScheduleSet, initiator: initiator,
                    resource: .init(type: "import_schedule", id: application.id, name: Self.summary(schedule)),
                    application: .init(application)))
        }
        return schedule
    }

    /// Sets the schedule from what an administrator typed: an interval (`every`) or a cron
    /// expression, exactly one (``Cadence/parse(every:cron:)``).
    public func set(
        application name: String, every: String?, cron: String?, filter: String?, dryRun: Bool, owner: String? = nil,
        by initiator: Initiator
    ) async throws -> ImportSchedule {
        try initiator.require(.change)
        return try await set(
            application: name, cadence: try Cadence.parse(every: every, cron: cron), filter: filter, dryRun: dryRun,
            owner: owner, by: initiator)
    }

    /// Turns the application's schedule off; an import it started runs to its end.
    public func off(application name: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let application = try await lookup.application(name)
        guard try await storage.schedule(applicationId: application.id) != nil else { return }
        try await storage.transaction { tx in
            try await tx.deleteSchedule(applicationId: application.id)
            try await tx.record(
                InsightsEvent(
                    type: .importScheduleOff, initiator: initiator,
                    resource: .init(type: "import_schedule", id: application.id, name: "off"),
                    application: .init(application)))
        }
    }

    public func schedule(application name: String, by initiator: Initiator) async throws -> ImportSchedule? {
        try initiator.require(.read)
        return try await storage.schedule(applicationId: try await lookup.application(name).id)
    }

    /// "every 6 hours, users matching …, dry run".
    public static func summary(_ schedule: ImportSchedule) -> String {
        ([schedule.cadence.words]
            + [schedule.filter.map { "users matching \($0)" }, schedule.dryRun ? "dry run" : nil]
            .compactMap { $0 }).joined(separator: ", ")
    }

    /// The administrator a schedule runs for.
    private func owner(_ email: String?, _ initiator: Initiator) async throws -> Administrator {
        if let email {
            guard let admin = try await storage.administrator(email: email) else {
                throw RosterError.notFound("there is no administrator \(email) to run the schedule for")
            }
            return admin
        }
        guard let id = initiator.id, let admin = try await storage.administrator(id: id) else {
            throw RosterError.invalid("say which administrator the schedule runs for (--as EMAIL)")
        }
        return admin
    }

    /// Starts the imports whose slot has come: each schedule's latest slot at or before `now`,
    /// if no instance took it. Slots missed while Roster was down run once, as that latest slot.
    /// An application whose integration is not active waits: its latest slot runs once it is.
    @discardableResult
    public func runDue(now: Date = Date()) async throws -> [ImportJob] {
        var started: [ImportJob] = []
        for schedule in try await storage.schedules() {
            guard let slot = schedule.cadence.latestSlot(atOrBefore: now), slot > schedule.lastSlot ?? .distantPast,
                let application = try await storage.application(id: schedule.applicationId),
                try await access.isActive(application.id)
            else { continue }
            // The slot is taken and its import queued together: a crash between them loses neither.
            let queued = try await storage.transaction { tx -> ImportJob? in
                guard try await tx.claimSlot(applicationId: application.id, slot: slot) else { return nil }
                // As its owner is now: one who can no longer run it stops it.
                let owner = try await tx.administrator(id: schedule.ownerId)
                if let why = Self.cannotRun(owner, email: schedule.ownerEmail) {
                    _ = try await stop(schedule, why: why, in: tx)
                    return nil
                }
                let initiator = Initiator(
                    type: .system, id: schedule.ownerId, email: owner?.email ?? schedule.ownerEmail,
                    role: owner?.role ?? .readonly, channel: "schedule")
                let trigger = ImportTrigger(slot: slot, filter: schedule.filter, dryRun: schedule.dryRun)
                return try await imports.queue(
                    application, .all, total: 0, trigger: trigger, at: now, by: initiator, in: tx)
            }
            guard let job = queued else { continue }
            logger.info(
                "scheduled import queued", metadata: ["application": "\(application.name)", "slot": "\(slot)"])
            started.append(job)
        }
        try await sendDigests(now: now)
        return started
    }
}
