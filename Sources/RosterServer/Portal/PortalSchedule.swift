import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// The scheduled import panel of an application's Identity Management tab.
struct PortalSchedule {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.post("applications/:app/schedule") { _, context in
            let app = try await roster.applications.find(try context.path("app"))
            let form = context.form
            let back = "/applications/\(app.id.text)?tab=idm"
            do {
                let cron = form["kind"] == "cron"
                let schedule = try await roster.schedules.set(
                    application: app.name, every: cron ? nil : form["every"], cron: cron ? form["cron"] : nil,
                    filter: form["filter"], dryRun: form["dryRun"] != nil, by: try context.caller())
                return portal.redirect(
                    back, Flash(.notice, "New users of \(app.name) are imported \(ImportSchedules.summary(schedule))."))
            } catch let error as RosterError {
                if case .forbidden = error { throw error }
                return portal.redirect(back, Flash(.error, "The schedule was not saved: \(error.description)"))
            }
        }
        group.post("applications/:app/schedule/off") { _, context in
            let app = try await roster.applications.find(try context.path("app"))
            try await roster.schedules.off(application: app.name, by: try context.caller())
            return portal.redirect(
                "/applications/\(app.id.text)?tab=idm",
                Flash(.notice, "Imports of \(app.name) are no longer scheduled."))
        }
    }

    /// The panel's values: the schedule in words, and the form filled with it.
    func values(_ app: RosterCore.Application, by caller: Initiator) async throws -> [String: Any] {
        guard let schedule = try await roster.schedules.schedule(application: app.name, by: caller) else {
            return ["scheduleForm": ["kind_every": true, "every": "", "cron": "", "filter": ""]]
        }
        var every = "", cron = ""
        switch schedule.cadence {
        case .every(let seconds):
            every =
                seconds % 86_400 == 0
                ? "\(seconds / 86_400)d" : seconds % 3_600 == 0 ? "\(seconds / 3_600)h" : "\(seconds / 60)m"
        case .cron(let expression): cron = expression.text
        }
        return [
            "schedule": [
                "summary": ImportSchedules.summary(schedule), "owner": schedule.ownerEmail,
                "lastSlot": schedule.lastSlot.map(PortalFormat.time) ?? "none yet",
            ],
            "scheduleForm": [
                "kind_every": !every.isEmpty, "kind_cron": !cron.isEmpty, "every": every, "cron": cron,
                "filter": schedule.filter ?? "", "dryRun": schedule.dryRun,
            ],
        ]
    }
}
