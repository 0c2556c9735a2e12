import ArgumentParser
import Foundation
import RosterApp
import RosterCore

/// `roster app schedule`: an application's scheduled import of new users.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Show or set when new users of an application are imported on their own.",
        discussion: """
            Without --every, --cron or --off it shows the schedule. A scheduled run imports only new users \
            (matches are skipped as in a manual import), as the system for the administrator who set it, \
            who is emailed when a run created or failed something, and weekly.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument var name: String
    @Option(help: "Run every interval: 30m, 6h, 1d (at least 5 minutes).") var every: String?
    @Option(help: "Run at the minutes a cron expression names, in UTC: \"0 2 * * *\".") var cron: String?
    @Flag(help: "Turn the schedule off.") var off = false
    @Option(help: "Import only the users this SCIM filter matches.") var filter: String?
    @Flag(help: "Only report what a run would create.") var dryRun = false
    @Option(name: .customLong("as"), help: "Email of the administrator the schedule runs for.") var administrator:
        String?
    @Flag var json = false

    func validate() throws {
        guard [every != nil, cron != nil, off].filter({ $0 }).count <= 1 else {
            throw ValidationError("give one of --every, --cron and --off")
        }
        if off || (every == nil && cron == nil) {
            guard filter == nil, !dryRun, administrator == nil else {
                throw ValidationError("--filter, --dry-run and --as go with --every or --cron")
            }
        }
    }

    func run() async throws {
        try await global.withRoster { roster in
            if off {
                try await roster.schedules.off(application: name, by: .system)
                return print("imports of \(name) are no longer scheduled")
            }
            var schedule: ImportSchedule?
            if every != nil || cron != nil {
                schedule = try await roster.schedules.set(
                    application: name, every: every, cron: cron, filter: filter, dryRun: dryRun,
                    owner: administrator, by: .system)
            } else {
                schedule = try await roster.schedules.schedule(application: name, by: .system)
            }
            guard let schedule else {
                if json { return print("null") }
                return print("imports of \(name) are not scheduled")
            }
            if json { return try printJSON(ScheduleJSON(schedule, application: name)) }
            print("\(name): \(ImportSchedules.summary(schedule)); runs for \(schedule.ownerEmail)")
        }
    }
}

/// `roster import scheduled`: starts the scheduled imports that are due now.
struct ScheduledImportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduled",
        abstract: "Queue the scheduled imports that are due (roster serve and roster worker do it every 30 s).",
        discussion: "Then `roster worker --until-idle` runs them. --now pretends it is another time (tests, drills).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The time to run for, ISO 8601 (default: now).") var now: String?
    @Flag var json = false

    func run() async throws {
        let time = try now.map { text in
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw ValidationError("\"\(text)\" is not an ISO 8601 time like 2026-12-01T02:00:00Z")
            }
            return date
        }
        try await global.withRoster { roster in
            let jobs = try await roster.schedules.runDue(now: time ?? Date())
            if json { return try printJSON(jobs.map { ImportJSON($0, []).job }) }
            for job in jobs { print("queued scheduled import \(job.id.text)") }
        }
    }
}
