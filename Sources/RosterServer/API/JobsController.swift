import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1/jobs`: the background queue, to see any job and stop one (as `roster jobs` does).
struct JobsController {
    let roster: Roster

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("jobs") { request, context in
            let jobs = try await roster.jobs.list(limit: try request.intQuery("limit") ?? 100, by: try context.caller())
            return try ["jobs": jobs.map(JobJSON.init)].response()
        }
        group.get("jobs/:id") { _, context in
            try JobJSON(try await roster.jobs.show(id: try context.id("id", "job"), by: try context.caller()))
                .response()
        }
        group.post("jobs/:id/cancel") { _, context in
            try JobJSON(try await roster.jobs.cancel(id: try context.id("id", "job"), by: try context.caller()))
                .response()
        }
    }
}
