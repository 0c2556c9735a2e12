import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// The background queue: every job with its state, attempts and last error, and a way to stop one.
struct PortalJobs {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("jobs") { _, context in
            let jobs = try await roster.jobs.list(limit: 500, by: try context.caller()).map { status -> [String: Any] in
                let running = ["queued", "held", "running"].contains(status.status)
                return [
                    "id": status.job.id.text, "kind": status.job.kind, "status": status.status,
                    "statusClass": status.status == "failed" ? "bad" : status.status == "done" ? "ok" : "",
                    "attempts": status.job.attempts, "takeovers": status.job.takeovers,
                    "created": status.created.map(PortalFormat.time) ?? "", "lastError": status.lastError ?? "",
                    "cancellable": running,
                ]
            }
            return portal.page("jobs", title: "Background jobs", section: "jobs", ["jobs": jobs], context: context)
        }
        group.post("jobs/:id/cancel") { _, context in
            let cancelled = try await roster.jobs.cancel(id: try context.id("id", "job"), by: try context.caller())
            return portal.redirect(
                "/jobs", Flash(.notice, "Cancelled the \(cancelled.job.kind) job \(cancelled.job.id.text)."))
        }
    }
}
