import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// Import history: every job, its per-user results, its live progress and its CSV.
struct PortalImportHistory {
    let portal: Portal
    var roster: Roster { portal.roster }
    static let shownResults = 1000

    struct Progress: Encodable {
        let status: String
        let total, processed, created, skipped, failed: Int
        let finished: Bool
    }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("imports") { _, context in
            let caller = try context.caller()
            let rows = try await roster.imports.history(limit: 500, by: caller).map {
                summary($0.job, application: $0.application ?? "deleted application")
            }
            return portal.page("imports", title: "Import history", section: "imports", ["jobs": rows], context: context)
        }
        group.get("imports/:id") { _, context in
            let caller = try context.caller()
            let (job, results) = try await roster.imports.job(id: try jobId(context), by: caller)
            let application = try await roster.imports.applicationName(of: job, by: caller) ?? "deleted application"
            var values = summary(job, application: application)
            values["running"] = !job.isFinished
            values["finished"] = job.isFinished
            values["processed"] = job.processed
            values["progressMax"] = max(job.total, job.processed, 1)
            values["emailed"] = job.initiator.email ?? ""
            values["finishedAt"] = job.finishedAt.map(PortalFormat.time) ?? ""
            values["results"] = results.prefix(Self.shownResults).map { r -> [String: Any] in
                [
                    "userName": r.userName ?? r.remoteId, "outcome": r.outcome.rawValue, "userId": r.userId?.text ?? "",
                    "reason": r.reason ?? "",
                    "outcomeClass": r.outcome == .created ? "ok" : r.outcome == .failed ? "bad" : "",
                ]
            }
            values["moreResults"] = results.count > Self.shownResults
            values["shown"] = Self.shownResults
            values["allResults"] = results.count
            return portal.page(
                "import-job", title: "Import from \(application)", section: "imports", values, context: context)
        }
        group.get("imports/:id/progress") { _, context in
            let job = try await roster.imports.progress(id: try jobId(context), by: try context.caller())
            return try Progress(
                status: job.status.rawValue, total: max(job.total, job.processed), processed: job.processed,
                created: job.created, skipped: job.skipped, failed: job.failed, finished: job.isFinished
            ).response()
        }
        group.get("imports/:id/results.csv") { _, context in
            let (job, results) = try await roster.imports.job(id: try jobId(context), by: try context.caller())
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"import-\(job.id.text).csv\"",
                    .cacheControl: "no-store",
                ], body: .init(byteBuffer: ByteBuffer(string: ImportResult.csv(results))))
        }
    }

    private func jobId(_ context: APIContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.path("id")) else {
            throw RosterError.notFound("there is no such import job")
        }
        return id
    }

    private func summary(_ job: ImportJob, application: String) -> [String: Any] {
        let statusClass =
            switch job.status {
            case .completed: job.failed > 0 ? "warn" : "ok"
            case .failed, .cancelled: "bad"
            case .queued, .running: ""
            }
        return [
            "id": job.id.text, "application": application, "started": PortalFormat.time(job.createdAt),
            "by": job.initiator.email ?? job.initiator.type.rawValue, "status": job.status.rawValue,
            // Scheduled runs stand apart from imports started by hand.
            "kind": job.kind,
            "statusClass": statusClass,
            "total": max(job.total, job.processed), "created": job.created, "skipped": job.skipped,
            "failed": job.failed,
            "reason": job.reason ?? "",
        ]
    }
}
